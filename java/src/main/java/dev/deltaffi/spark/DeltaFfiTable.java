package dev.deltaffi.spark;

import dev.deltaffi.kernel.DeltaKernelException;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.ScanPlan;
import dev.deltaffi.plan.SparkTypes;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * One Delta table snapshot, pinned to the version resolved at load time.
 *
 * <p>Everything Spark asks of the table is kept as plain Java data. The kernel snapshot (a native
 * handle) is kept only until the first scan is planned and closed right after; a later scan of the
 * same table (the DataFrame run again) reloads the pinned version.
 */
final class DeltaFfiTable implements SupportsRead, SupportsMetadataColumns {

  private final ReadOptions readOptions;
  private final String tableRoot;
  private final long version;
  private final StructType schema;
  private final List<String> partitionColumns;
  private final List<String> phaseLog;
  private final MetadataColumns.RowTracking rowTracking;
  private final boolean columnMappingById;
  private KernelSnapshot snapshot;

  private DeltaFfiTable(ReadOptions readOptions, KernelSnapshot snapshot) {
    this.readOptions = readOptions;
    this.tableRoot = snapshot.tableRoot();
    this.version = snapshot.version();
    this.partitionColumns = List.copyOf(snapshot.partitionColumns());
    this.phaseLog = List.copyOf(snapshot.phaseLog());
    this.rowTracking = MetadataColumns.RowTracking.of(snapshot.properties());
    this.columnMappingById = "id".equals(snapshot.properties().get("delta.columnMapping.mode"));
    this.schema =
        guard(describe(), "read the schema of", () -> SparkTypes.toSpark(snapshot.schema()));
    this.snapshot = snapshot;
  }

  static DeltaFfiTable load(SparkSession spark, ReadOptions options) {
    KernelSnapshot snapshot;
    try {
      snapshot = loadSnapshot(spark, options);
    } catch (DeltaKernelException e) {
      if (options.timestampMillis().isEmpty()) {
        throw e;
      }
      // Name the timestamp as the user wrote it, beside the kernel's account of the range.
      throw new DeltaTableReadException(
          "Cannot load " + options.describe() + ": " + e.getMessage(), e);
    }
    try {
      return new DeltaFfiTable(options, snapshot);
    } catch (RuntimeException e) {
      snapshot.close();
      throw e;
    }
  }

  private static KernelSnapshot loadSnapshot(SparkSession spark, ReadOptions options) {
    return guard(
        options.describe(),
        "load",
        () ->
            options.timestampMillis().isPresent()
                ? KernelSnapshot.loadAsOf(
                    spark, options.tableUri(), options.timestampMillis().getAsLong())
                : KernelSnapshot.load(spark, options.tableUri(), options.version()));
  }

  ReadOptions readOptions() {
    return readOptions;
  }

  String tableRoot() {
    return tableRoot;
  }

  long snapshotVersion() {
    return version;
  }

  List<String> partitionColumns() {
    return partitionColumns;
  }

  /** "Delta table X at version N", for messages. */
  String describe() {
    return "Delta table " + tableRoot + " at version " + version;
  }

  @Override
  public String name() {
    return "delta-ffi.`" + tableRoot + "`@v" + version;
  }

  /** The pinned snapshot version, so Spark can tell table states apart. */
  @Override
  public String version() {
    return Long.toString(version);
  }

  @Override
  public StructType schema() {
    return schema;
  }

  /** Whether {@code _metadata} is the hidden metadata column, not a column of the table. */
  boolean offersMetadataColumn() {
    return !List.of(schema.fieldNames()).contains(MetadataColumns.NAME);
  }

  /**
   * Whether data files are read by Parquet field id: column mapping {@code id} mode. (In {@code
   * name} mode the kernel's physical schema carries ids too, but files written before mapping was
   * enabled have none.)
   */
  boolean columnMappingById() {
    return columnMappingById;
  }

  /** The table's row tracking, null when it is not enabled. */
  MetadataColumns.RowTracking rowTracking() {
    return rowTracking;
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return offersMetadataColumn()
        ? new MetadataColumn[] {MetadataColumns.column(rowTracking)}
        : new MetadataColumn[0];
  }

  @Override
  public Transform[] partitioning() {
    return partitionColumns.stream().map(Expressions::identity).toArray(Transform[]::new);
  }

  @Override
  public Set<TableCapability> capabilities() {
    return Set.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new DeltaFfiScanBuilder(this);
  }

  /**
   * A scan plan, the phase log of the snapshot it was planned on, and the kernel predicate (JSON,
   * null: none) it was planned with.
   */
  record Planned(ScanPlan plan, List<String> snapshotPhaseLog, String predicateJson) {}

  /**
   * Plans a scan of the given top-level columns through the kernel, skipping files by the kernel
   * predicate {@code predicateJson} (null: none), then frees the snapshot.
   */
  Planned planScan(SparkSession spark, List<String> columns, String predicateJson) {
    KernelSnapshot current;
    synchronized (this) {
      current = snapshot;
      snapshot = null;
    }
    List<String> snapshotPhases = phaseLog;
    if (current == null) {
      current =
          guard(
              describe(),
              "reload",
              () -> KernelSnapshot.load(spark, tableRoot, OptionalLong.of(version)));
      snapshotPhases = List.copyOf(current.phaseLog());
    }
    try (KernelSnapshot s = current) {
      ScanPlan plan =
          guard(describe(), "plan a scan of", () -> s.planScan(spark, columns, predicateJson));
      return new Planned(plan, snapshotPhases, predicateJson);
    }
  }

  /**
   * Runs a step of loading or planning. The kernel's own typed errors already name the table and
   * version; any other failure (e.g. of a Spark job running a kernel plan) is wrapped to name them.
   */
  private static <T> T guard(String table, String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (DeltaKernelException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DeltaTableReadException(
          "Cannot " + action + " " + table + ": " + e.getMessage(), e);
    }
  }
}
