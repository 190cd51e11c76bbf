package dev.deltaffi.kernel;

import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.plan.FileUris;
import dev.deltaffi.plan.PlanRunner;
import dev.deltaffi.plan.PlanTranslator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.functions;

/**
 * A table snapshot built by the kernel's phase machine; owns its native handle. Facade used by the
 * Spark source: nothing outside this package touches the natives.
 */
public final class KernelSnapshot implements AutoCloseable {
  /**
   * Session setting: where the kernel replays the log to build a snapshot. {@code in-process} (the
   * default): the kernel reads the log files itself through Hadoop FileSystem and decodes them
   * natively, which costs milliseconds; the replay reads only the protocol and metadata columns of
   * a checkpoint, so it stays small for any table. {@code spark}: every listing, read and replay
   * plan is a phase the Java side executes, plans as Spark jobs.
   */
  public static final String LOG_REPLAY_CONF = "spark.deltaffi.snapshot.logReplay";

  public static final String IN_PROCESS = "in-process";
  public static final String SPARK = "spark";

  private final NativeHandle handle;
  private final String tableRoot;
  private final long version;
  private final KernelType.Struct schema;
  private final List<String> partitionColumns;
  private final Map<String, String> properties;
  private final List<String> phaseLog;

  private KernelSnapshot(NativeHandle handle) {
    this.handle = handle;
    long id = handle.id();
    this.tableRoot = NativeKernel.tableRoot(id);
    this.version = NativeKernel.snapshotVersion(id);
    this.schema = visitSchema(id, NativeKernel.TABLE_SCHEMA);
    this.partitionColumns = List.of(NativeKernel.partitionColumns(id));
    String[] keysAndValues = NativeKernel.tableProperties(id);
    Map<String, String> properties = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      properties.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    this.properties = Collections.unmodifiableMap(properties);
    this.phaseLog = List.of(NativeKernel.phaseLog(id));
  }

  /** Loads the latest snapshot, or the one at {@code version}, of the table at {@code tableUri}. */
  public static KernelSnapshot load(SparkSession spark, String tableUri, OptionalLong version) {
    return version.isPresent()
        ? load(spark, tableUri, NativeKernel.AT_VERSION, version.getAsLong())
        : load(spark, tableUri, NativeKernel.LATEST, 0);
  }

  /**
   * Loads the snapshot of the latest version committed at or before {@code timestampMillis} (in
   * commit timestamps where the table has them).
   */
  public static KernelSnapshot loadAsOf(SparkSession spark, String tableUri, long timestampMillis) {
    return load(spark, tableUri, NativeKernel.AS_OF_TIMESTAMP, timestampMillis);
  }

  private static KernelSnapshot load(
      SparkSession spark, String tableUri, int travelKind, long travelValue) {
    String root = tableUri.endsWith("/") ? tableUri : tableUri + "/";
    String replay = spark.conf().get(LOG_REPLAY_CONF, IN_PROCESS);
    HadoopIo inProcessIo =
        switch (replay) {
          case IN_PROCESS -> hadoopIo(spark);
          case SPARK -> null;
          default ->
              throw new IllegalArgumentException(
                  LOG_REPLAY_CONF + " must be " + IN_PROCESS + " or " + SPARK + ", not " + replay);
        };
    try (NativeHandle machine =
        new NativeHandle(NativeKernel.startSnapshot(root, travelKind, travelValue, inProcessIo))) {
      NativeHandle snapshot =
          driver(spark)
              .run(
                  machine,
                  plan -> {
                    throw new IllegalStateException("a snapshot has no PartialResult phase");
                  });
      try {
        return new KernelSnapshot(snapshot);
      } catch (RuntimeException e) {
        snapshot.close();
        throw e;
      }
    }
  }

  public String tableRoot() {
    return tableRoot;
  }

  public long version() {
    return version;
  }

  /** The logical table schema (field metadata included). */
  public KernelType.Struct schema() {
    return schema;
  }

  /** Logical partition column names, in table order. */
  public List<String> partitionColumns() {
    return partitionColumns;
  }

  /** The table's configuration (its metadata properties, e.g. {@code delta.enableRowTracking}). */
  public Map<String, String> properties() {
    return properties;
  }

  /** The phases the kernel stepped through to build this snapshot, one line each. */
  public List<String> phaseLog() {
    return phaseLog;
  }

  /**
   * Plans a scan of the given logical top-level columns (null: all) through the kernel's scan
   * machine; the live files come from the kernel's metadata plan, run on Spark.
   */
  public ScanPlan planScan(SparkSession spark, List<String> columns) {
    return planScan(spark, columns, null);
  }

  /**
   * Like {@link #planScan(SparkSession, List)}, with a kernel predicate (in the kernel's serde JSON
   * encoding, see KernelPredicates) for partition pruning and statistics-based file skipping.
   * Skipping is best-effort: rows must still be filtered.
   */
  public ScanPlan planScan(SparkSession spark, List<String> columns, String predicateJson) {
    String[] names = columns == null ? null : columns.toArray(new String[0]);
    List<Plan> metadataPlans = new ArrayList<>();
    try (NativeHandle machine =
            new NativeHandle(NativeKernel.startScan(handle.id(), names, predicateJson));
        NativeHandle scan = driver(spark).run(machine, metadataPlans::add)) {
      KernelType.Struct logical = visitSchema(scan.id(), NativeKernel.SCAN_LOGICAL_SCHEMA);
      KernelType.Struct physical = visitSchema(scan.id(), NativeKernel.SCAN_PHYSICAL_SCHEMA);
      List<String> log = List.of(NativeKernel.phaseLog(scan.id()));
      List<ScanFileInfo> files = new ArrayList<>();
      KernelType.Struct partitionSchema = new KernelType.Struct(List.of());
      for (Plan plan : metadataPlans) {
        partitionSchema = liveFiles(spark, plan, files);
      }
      return new ScanPlan(logical, physical, partitionSchema, files, log);
    }
  }

  /**
   * Runs the kernel's metadata plan on Spark and collects its live {@code add} rows as scan files.
   * Returns the kernel-typed partition schema (physical names), empty when unpartitioned.
   */
  private KernelType.Struct liveFiles(SparkSession spark, Plan plan, List<ScanFileInfo> files) {
    KernelType.Struct add = (KernelType.Struct) plan.schema().field("add").type();
    KernelType.Field parsed = add.field("partitionValues_parsed");
    Dataset<Row> adds =
        new PlanTranslator(spark)
            .toDataFrame(plan)
            .select(
                functions.col("add.path"),
                functions.col("add.size"),
                functions.col("add.modificationTime"),
                functions.col("add.deletionVector.storageType"),
                functions.col("add.deletionVector.pathOrInlineDv"),
                functions.col("add.deletionVector.offset"),
                functions.col("add.deletionVector.sizeInBytes"),
                functions.col("add.deletionVector.cardinality"),
                parsed == null ? functions.struct() : functions.col("add.partitionValues_parsed"),
                functions.col("add.baseRowId"),
                functions.col("add.defaultRowCommitVersion"));
    for (InternalRow row : PhaseDriver.collect(adds)) {
      InternalRow partitionValues =
          parsed == null || row.isNullAt(8)
              ? new GenericInternalRow(0)
              : row.getStruct(8, ((KernelType.Struct) parsed.type()).fields().size());
      DeletionVectors.Descriptor deletionVector =
          row.isNullAt(3)
              ? null
              : new DeletionVectors.Descriptor(
                  row.getUTF8String(3).toString(),
                  row.getUTF8String(4).toString(),
                  row.isNullAt(5) ? null : row.getInt(5),
                  row.getInt(6),
                  row.getLong(7));
      files.add(
          new ScanFileInfo(
              FileUris.resolve(tableRoot, row.getUTF8String(0).toString()).toString(),
              row.getLong(1),
              row.getLong(2),
              partitionValues.copy(),
              deletionVector,
              row.isNullAt(9) ? null : row.getLong(9),
              row.isNullAt(10) ? null : row.getLong(10)));
    }
    return parsed == null ? new KernelType.Struct(List.of()) : (KernelType.Struct) parsed.type();
  }

  private static KernelType.Struct visitSchema(long handle, int which) {
    IrBuilder ir = new IrBuilder();
    return ir.get(NativeKernel.visitSchema(handle, which, ir), KernelType.Struct.class);
  }

  private static PhaseDriver driver(SparkSession spark) {
    PlanRunner plans = new PlanTranslator(spark);
    return new PhaseDriver(hadoopIo(spark), plans);
  }

  private static HadoopIo hadoopIo(SparkSession spark) {
    return new HadoopIo(
        ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().newHadoopConf());
  }

  @Override
  public void close() {
    handle.close();
  }
}
