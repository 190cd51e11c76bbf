package dev.deltaffi.spark;

import dev.deltaffi.kernel.DeltaKernelException;
import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.ScanPlan;
import dev.deltaffi.kernel.TableNotFoundException;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.plan.SparkTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.expressions.LogicalExpressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Delta table as a DataFrame sees it: the schema and partitioning of the snapshot it was analysed
 * against. Each scan reads the version the options pin ({@code versionAsOf}, {@code timestampAsOf})
 * or, without time travel, the table's latest version at the time of the query, as delta-spark's
 * DataFrames do; a schema change since the analysis that the DataFrame's columns cannot be read
 * through fails the query.
 *
 * <p>Everything Spark asks of the table is kept as plain Java data. The kernel snapshot (a native
 * handle) of the analysis is kept only until the first scan, which refreshes it (listing only the
 * commits after it) or plans on it directly, and closes it; later scans load their snapshot anew.
 */
final class DeltaFfiTable implements SupportsRead, SupportsMetadataColumns {

  /** The field metadata key of a column's physical name under column mapping. */
  static final String PHYSICAL_NAME_KEY = "delta.columnMapping.physicalName";

  /** A table schema, in the kernel's terms and in Spark's. */
  interface Schema {
    KernelType.Struct kernelSchema();

    StructType schema();
  }

  /** A schema the kernel gave, in Spark's terms too. */
  record KernelSchema(KernelType.Struct kernelSchema, StructType schema) implements Schema {
    static KernelSchema of(KernelType.Struct kernelSchema) {
      return new KernelSchema(kernelSchema, SparkTypes.toSpark(kernelSchema));
    }
  }

  /**
   * What a scan needs to know of the snapshot it reads, as plain Java data.
   *
   * @param columnMappingById whether data files are read by Parquet field id: column mapping {@code
   *     id} mode. (In {@code name} mode the kernel's physical schema carries ids too, but files
   *     written before mapping was enabled have none.)
   * @param rowTracking the table's row tracking, null when it is not enabled
   * @param tableProperties the table's properties as the kernel states them (see {@link
   *     KernelSnapshot#tableProperties})
   */
  record State(
      String tableRoot,
      long version,
      KernelType.Struct kernelSchema,
      StructType schema,
      List<String> partitionColumns,
      List<String> phaseLog,
      MetadataColumns.RowTracking rowTracking,
      boolean columnMappingById,
      Map<String, String> tableProperties)
      implements Schema {

    static State of(KernelSnapshot snapshot) {
      return new State(
          snapshot.tableRoot(),
          snapshot.version(),
          snapshot.schema(),
          guard(
              describe(snapshot.tableRoot(), snapshot.version()),
              "read the schema of",
              () -> SparkTypes.toSpark(snapshot.schema())),
          List.copyOf(snapshot.partitionColumns()),
          List.copyOf(snapshot.phaseLog()),
          MetadataColumns.RowTracking.of(snapshot.rowTrackingColumns()),
          snapshot.columnMappingMode().equals("id"),
          Map.copyOf(snapshot.tableProperties()));
    }

    /** "Delta table X at version N", for messages. */
    String describe() {
      return describe(tableRoot, version);
    }

    private static String describe(String tableRoot, long version) {
      return "Delta table " + tableRoot + " at version " + version;
    }
  }

  private final ReadOptions readOptions;
  private final State analysed;
  private final Map<String, String> catalogProperties;
  private KernelSnapshot snapshot;

  private DeltaFfiTable(
      ReadOptions readOptions, KernelSnapshot snapshot, Map<String, String> catalogProperties) {
    this.readOptions = readOptions;
    this.analysed = State.of(snapshot);
    this.catalogProperties = Map.copyOf(catalogProperties);
    this.snapshot = snapshot;
  }

  /**
   * The table at the location and version {@code options} name. {@code catalogProperties}: what a
   * catalog table adds to the properties Spark shows ({@code external}, {@code owner}, its
   * options); empty for a path.
   */
  static DeltaFfiTable load(
      SparkSession spark, ReadOptions options, Map<String, String> catalogProperties) {
    InputFiles.install(spark);
    KernelSnapshot snapshot = openSnapshot(spark, options);
    try {
      return new DeltaFfiTable(options, snapshot, catalogProperties);
    } catch (RuntimeException e) {
      snapshot.close();
      throw e;
    }
  }

  /**
   * The kernel snapshot at the location and version {@code options} name; a location that is no
   * Delta table, or a timestamp outside its history, fails saying so in the user's terms.
   */
  static KernelSnapshot openSnapshot(SparkSession spark, ReadOptions options) {
    try {
      return loadSnapshot(spark, options);
    } catch (TableNotFoundException e) {
      Optional<String> reason = whyNotADeltaTable(spark, options.tableUri());
      if (reason.isPresent()) {
        throw DeltaFfiErrors.<RuntimeException>undeclared(
            DeltaFfiErrors.notADeltaTable(options.tableUri(), reason.get(), e));
      }
      throw e;
    } catch (DeltaKernelException e) {
      if (options.timestampMillis().isEmpty()) {
        throw e;
      }
      // Name the timestamp as the user wrote it, beside the kernel's account of the range.
      throw new DeltaTableReadException(
          DeltaFfiErrors.conditionOf(e),
          "Cannot load " + options.describe() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Why a location the kernel found no table at is not a Delta table, in the user's terms; empty
   * when it looks like one (the kernel's own error then says what is wrong with its log).
   */
  private static Optional<String> whyNotADeltaTable(SparkSession spark, String tableUri) {
    try {
      Path root = new Path(tableUri);
      FileSystem fs = root.getFileSystem(spark.sessionState().newHadoopConf());
      if (!fs.exists(root)) {
        return Optional.of("the path does not exist");
      }
      if (!fs.getFileStatus(root).isDirectory()) {
        return Optional.of("it is a file, not a table directory");
      }
      Path log = new Path(root, "_delta_log");
      if (!fs.exists(log)) {
        return Optional.of("it has no _delta_log directory");
      }
      boolean hasVersions =
          Arrays.stream(fs.listStatus(log))
              .map(status -> status.getPath().getName())
              .anyMatch(name -> name.matches("\\d{20}\\.(json|checkpoint.*\\.parquet)"));
      return hasVersions
          ? Optional.empty()
          : Optional.of("its _delta_log has no commit or checkpoint");
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static KernelSnapshot loadSnapshot(SparkSession spark, ReadOptions options) {
    return guard(
        options.describe(),
        "load",
        () -> {
          KernelEngine engine = KernelEngines.of(spark);
          if (options.timestampMillis().isPresent()) {
            return KernelSnapshot.loadAsOf(
                engine, options.tableUri(), options.timestampMillis().getAsLong());
          }
          return options.version().isPresent()
              ? engine.snapshots().at(engine, options.tableUri(), options.version().getAsLong())
              : engine.snapshots().latest(engine, options.tableUri(), null);
        });
  }

  ReadOptions readOptions() {
    return readOptions;
  }

  /** The snapshot the DataFrame was analysed on: its schema is what a stream reads. */
  State analysed() {
    return analysed;
  }

  /** Whether scans read the analysed version (time travel) rather than the latest one. */
  private boolean pinned() {
    return readOptions.version().isPresent() || readOptions.timestampMillis().isPresent();
  }

  /** "Delta table X at version N" of the analysed snapshot, for messages. */
  String describe() {
    return analysed.describe();
  }

  @Override
  public String name() {
    return "delta-ffi.`" + analysed.tableRoot() + "`" + (pinned() ? "@v" + analysed.version() : "");
  }

  /** The analysed snapshot version, so Spark can tell table states apart. */
  @Override
  public String version() {
    return Long.toString(analysed.version());
  }

  /**
   * What Spark shows of the table (DESCRIBE TABLE, SHOW TBLPROPERTIES), as delta-spark's table
   * shows it: the kernel's table properties, provider, location, a catalog table's own properties,
   * the description as comment.
   */
  @Override
  public Map<String, String> properties() {
    Map<String, String> properties = new TreeMap<>(analysed.tableProperties());
    properties.put(TableCatalog.PROP_PROVIDER, DeltaFfiDataSource.SHORT_NAME);
    properties.put(TableCatalog.PROP_LOCATION, location(analysed.tableRoot()));
    properties.putAll(catalogProperties);
    return properties;
  }

  /** A table root as Spark and delta-spark show locations: a Hadoop path, no trailing slash. */
  static String location(String tableRoot) {
    String location = new Path(java.net.URI.create(tableRoot)).toString();
    return location.endsWith("/") && location.length() > 1
        ? location.substring(0, location.length() - 1)
        : location;
  }

  /** The table's columns; in a stream of the change data feed, then the feed's own three. */
  @Override
  public StructType schema() {
    boolean changeFeed = readOptions.stream().map(StreamOptions::changeFeed).orElse(false);
    return changeFeed ? ChangeFeedScan.withChangeColumns(analysed.schema()) : analysed.schema();
  }

  /** Whether {@code _metadata} is the hidden metadata column, not a column of the table. */
  boolean offersMetadataColumn() {
    return !List.of(analysed.schema().fieldNames()).contains(MetadataColumns.NAME);
  }

  /** The analysed table's row tracking, null when it is not enabled. */
  MetadataColumns.RowTracking rowTracking() {
    return analysed.rowTracking();
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return offersMetadataColumn()
        ? new MetadataColumn[] {MetadataColumns.column(analysed.rowTracking())}
        : new MetadataColumn[0];
  }

  /**
   * Identity transforms by field reference: a name is never parsed as SQL, so {@code p.q} or {@code
   * x-y} stay one column.
   */
  @Override
  public Transform[] partitioning() {
    return analysed.partitionColumns().stream()
        .map(
            name ->
                LogicalExpressions.identity(
                    LogicalExpressions.reference(
                        CollectionConverters.asScala(List.of(name)).toSeq())))
        .toArray(Transform[]::new);
  }

  @Override
  public Set<TableCapability> capabilities() {
    return Set.of(TableCapability.BATCH_READ, TableCapability.MICRO_BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new DeltaFfiScanBuilder(this);
  }

  /**
   * Closes the analysed snapshot when nothing will scan this table (a DESCRIBE); a scan after all
   * loads its snapshot anew.
   */
  synchronized void releaseSnapshot() {
    if (snapshot != null) {
      snapshot.close();
      snapshot = null;
    }
  }

  /** A scan plan and the snapshot it was planned on. */
  record Planned(ScanPlan plan, State snapshot) {}

  /**
   * Plans a scan of the given top-level columns through the kernel, skipping files by the kernel
   * predicate {@code predicateJson} (null: none), on the version this query reads.
   */
  Planned planScan(SparkSession spark, List<String> columns, String predicateJson) {
    KernelSnapshot analysedSnapshot;
    synchronized (this) {
      analysedSnapshot = snapshot;
      snapshot = null;
    }
    KernelEngine engine = KernelEngines.of(spark);
    try (KernelSnapshot current = snapshotToRead(engine, analysedSnapshot)) {
      State state = current == analysedSnapshot ? analysed : State.of(current);
      requireReadable(state);
      ScanPlan plan =
          guard(
              state.describe(),
              "plan a scan of",
              () -> current.planScan(engine, columns, predicateJson));
      return new Planned(plan, state);
    } finally {
      if (analysedSnapshot != null) {
        analysedSnapshot.close();
      }
    }
  }

  /**
   * The snapshot this query reads: with time travel the analysed one (kept or reloaded); else the
   * latest, refreshed from the analysed one when it is still held.
   */
  private KernelSnapshot snapshotToRead(KernelEngine engine, KernelSnapshot analysedSnapshot) {
    if (pinned()) {
      return analysedSnapshot != null
          ? analysedSnapshot
          : guard(
              describe(),
              "reload",
              () -> engine.snapshots().at(engine, analysed.tableRoot(), analysed.version()));
    }
    return guard(
        "Delta table " + analysed.tableRoot() + " (latest version)",
        "load",
        () -> engine.snapshots().latest(engine, analysed.tableRoot(), analysedSnapshot));
  }

  /**
   * Fails when the DataFrame's columns cannot be read from {@code current}: a column it has was
   * dropped, renamed, retyped, or (under column mapping) replaced by another of the same name. New
   * columns are fine: the DataFrame does not see them, as with delta-spark.
   */
  private void requireReadable(State current) {
    if (current.version() == analysed.version()) {
      return;
    }
    List<String> problems = unreadableColumns(analysed, current, "no longer exists");
    if (!problems.isEmpty()) {
      throw new DeltaTableReadException(
          "DELTA_FFI_SCHEMA_CHANGED",
          "The schema of Delta table "
              + analysed.tableRoot()
              + " changed since the DataFrame was created at version "
              + analysed.version()
              + ", so it cannot read version "
              + current.version()
              + ": "
              + String.join("; ", problems)
              + ". Load the table again to read its new schema.",
          null);
    }
  }

  /**
   * Why the columns of {@code from} cannot be read from a table of schema {@code to}: a column is
   * missing there ({@code missing} says so), has another type, or (under column mapping) is another
   * column of the same name. Columns only {@code to} has are fine.
   */
  static List<String> unreadableColumns(Schema from, Schema to, String missing) {
    List<String> problems = new ArrayList<>();
    StructType now = to.schema();
    for (StructField field : from.schema().fields()) {
      if (!List.of(now.fieldNames()).contains(field.name())) {
        problems.add("column '" + field.name() + "' " + missing);
        continue;
      }
      StructField other = now.apply(field.name());
      if (!DataType.equalsIgnoreNullability(field.dataType(), other.dataType())) {
        problems.add(
            "column '"
                + field.name()
                + "' changed type from "
                + field.dataType().simpleString()
                + " to "
                + other.dataType().simpleString());
      } else if (!physicalNames(from.kernelSchema().field(field.name()))
          .equals(physicalNames(to.kernelSchema().field(field.name())))) {
        problems.add("column '" + field.name() + "' is now another column of the same name");
      }
    }
    return problems;
  }

  /** The column-mapping physical names of a field and its nested fields, in order. */
  private static List<String> physicalNames(KernelType.Field field) {
    List<String> names = new ArrayList<>();
    names.add(field.metadata().getOrDefault(PHYSICAL_NAME_KEY, ""));
    nestedPhysicalNames(field.type(), names);
    return names;
  }

  private static void nestedPhysicalNames(KernelType type, List<String> names) {
    if (type instanceof KernelType.Struct struct) {
      struct.fields().forEach(nested -> names.addAll(physicalNames(nested)));
    } else if (type instanceof KernelType.Array array) {
      nestedPhysicalNames(array.element(), names);
    } else if (type instanceof KernelType.MapType map) {
      nestedPhysicalNames(map.key(), names);
      nestedPhysicalNames(map.value(), names);
    }
  }

  /**
   * Runs a step of loading or planning. The kernel's own typed errors already name the table and
   * version; any other failure (e.g. of a Spark job running a kernel plan, whose SparkException is
   * checked but thrown undeclared from Scala) is wrapped to name them.
   */
  private static <T> T guard(String table, String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (DeltaKernelException e) {
      throw e;
    } catch (Exception e) {
      throw new DeltaTableReadException(
          "DELTA_FFI_READ_FAILED", "Cannot " + action + " " + table + ": " + e.getMessage(), e);
    }
  }
}
