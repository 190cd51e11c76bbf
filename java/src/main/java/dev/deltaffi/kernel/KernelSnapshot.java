package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.plan.PlanRunner;
import dev.deltaffi.plan.PlanTranslator;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;

/**
 * A table snapshot built by the kernel's phase machine; owns its native handle. Facade used by the
 * Spark source: nothing outside this package touches the natives.
 */
public final class KernelSnapshot implements AutoCloseable {
  /**
   * Session setting: where the kernel replays the log. {@code auto} (the default): a snapshot's
   * protocol and metadata in process (the kernel reads the log files itself through Hadoop
   * FileSystem and decodes them natively, in milliseconds; it reads only those columns of a
   * checkpoint, so this stays small for any table), and a scan's live files in process when the log
   * is at most {@link #IN_PROCESS_MAX_LOG_BYTES_CONF}, else as a Spark job. {@code in-process} or
   * {@code spark}: always that way; with {@code spark} every listing, read and replay plan is a
   * phase the Java side executes, plans as Spark jobs.
   */
  public static final String LOG_REPLAY_CONF = "spark.deltaffi.logReplay";

  /** Session setting: the largest log (bytes of checkpoint and commits) scanned in process. */
  public static final String IN_PROCESS_MAX_LOG_BYTES_CONF = "spark.deltaffi.inProcessMaxLogBytes";

  public static final String AUTO = "auto";
  public static final String IN_PROCESS = "in-process";
  public static final String SPARK = "spark";

  private final NativeHandle handle;
  private final String tableRoot;
  private final long version;
  private final KernelType.Struct schema;
  private final List<String> partitionColumns;
  private final String columnMappingMode;
  private final List<String> rowTrackingColumns;
  private final List<String> phaseLog;

  private KernelSnapshot(NativeHandle handle) {
    this.handle = handle;
    long id = handle.id();
    this.tableRoot = NativeKernel.tableRoot(id);
    this.version = NativeKernel.snapshotVersion(id);
    this.schema = visitSchema(id, NativeKernel.TABLE_SCHEMA);
    this.partitionColumns = List.of(NativeKernel.partitionColumns(id));
    this.columnMappingMode = NativeKernel.columnMappingMode(id);
    this.rowTrackingColumns = List.of(NativeKernel.rowTrackingColumns(id));
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
    HadoopIo io = hadoopIo(spark);
    return build(
        spark,
        NativeKernel.startSnapshot(root, travelKind, travelValue, io, inProcessReplay(spark)));
  }

  /**
   * The table's latest snapshot, built from this one: the kernel lists and replays only the commits
   * after it. This snapshot stays open.
   */
  public KernelSnapshot refresh(SparkSession spark) {
    return build(
        spark, NativeKernel.startRefresh(handle.id(), hadoopIo(spark), inProcessReplay(spark)));
  }

  /** Drives a snapshot machine to its Terminus. */
  private static KernelSnapshot build(SparkSession spark, long machineHandle) {
    try (NativeHandle machine = new NativeHandle(machineHandle)) {
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

  /** Whether a snapshot's log is replayed in process (not with {@code spark} log replay). */
  private static boolean inProcessReplay(SparkSession spark) {
    return !logReplay(spark).equals(SPARK);
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

  /**
   * How data files name their columns, as the kernel says: {@code none}, {@code name}, {@code id}.
   */
  public String columnMappingMode() {
    return columnMappingMode;
  }

  /**
   * With row tracking enabled, the columns data files may materialize row ids and row commit
   * versions in (in that order); else empty.
   */
  public List<String> rowTrackingColumns() {
    return rowTrackingColumns;
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
   *
   * <p>Where the log replay for the live files runs follows {@link #LOG_REPLAY_CONF}: with {@code
   * auto}, in process when the log (checkpoint and commits) is at most {@link
   * #IN_PROCESS_MAX_LOG_BYTES_CONF}, else as the kernel's metadata plan run as a Spark job.
   */
  public ScanPlan planScan(SparkSession spark, List<String> columns, String predicateJson) {
    String[] names = columns == null ? null : columns.toArray(new String[0]);
    boolean inProcess =
        switch (logReplay(spark)) {
          case IN_PROCESS -> true;
          case SPARK -> false;
          default ->
              NativeKernel.logSizeBytes(handle.id())
                  <= Long.parseLong(
                      spark.conf().get(IN_PROCESS_MAX_LOG_BYTES_CONF, Long.toString(64L << 20)));
        };
    List<Plan> metadataPlans = new ArrayList<>();
    try (NativeHandle machine =
            new NativeHandle(
                NativeKernel.startScan(
                    handle.id(), names, predicateJson, hadoopIo(spark), inProcess));
        NativeHandle scan = driver(spark).run(machine, metadataPlans::add)) {
      KernelType.Struct logical = visitSchema(scan.id(), NativeKernel.SCAN_LOGICAL_SCHEMA);
      KernelType.Struct physical = visitSchema(scan.id(), NativeKernel.SCAN_PHYSICAL_SCHEMA);
      KernelType.Struct partitionSchema =
          visitSchema(scan.id(), NativeKernel.SCAN_PARTITION_SCHEMA);
      int partitionFields = partitionSchema.fields().size();
      List<String> log = List.of(NativeKernel.phaseLog(scan.id()));
      List<ScanFileInfo> files = new ArrayList<>();
      if (inProcess) {
        RowStreams.importBatches(
            address -> NativeKernel.takeScanFiles(scan.id(), address),
            (fields, batch) -> {
              if (!fields.equals(LiveFiles.COLUMNS)) {
                throw new IllegalStateException("live files arrived as " + fields);
              }
              batch
                  .rowIterator()
                  .forEachRemaining(
                      row -> files.add(LiveFiles.decode(tableRoot, row, partitionFields)));
            });
      }
      for (Plan plan : metadataPlans) {
        for (InternalRow row : PhaseDriver.collect(liveFiles(spark, plan))) {
          files.add(LiveFiles.decode(tableRoot, row, partitionFields));
        }
      }
      long totalFiles = NativeKernel.scanTotalFiles(scan.id());
      return new ScanPlan(
          logical,
          physical,
          partitionSchema,
          files,
          totalFiles < 0 ? OptionalLong.empty() : OptionalLong.of(totalFiles),
          NativeKernel.widensSmallIntegersToDecimal(scan.id()),
          log);
    }
  }

  /**
   * The kernel's metadata plan as a Spark DataFrame of its live {@code add} rows, projected to the
   * live-files contract (an empty partition struct when the table is unpartitioned).
   */
  private static Dataset<Row> liveFiles(SparkSession spark, Plan plan) {
    KernelType.Struct add = (KernelType.Struct) plan.schema().field("add").type();
    boolean partitioned = add.field("partitionValues_parsed") != null;
    return new PlanTranslator(spark)
        .toDataFrame(plan)
        .select(
            LiveFiles.COLUMNS.stream()
                .map(
                    name ->
                        name.equals("partitionValues_parsed") && !partitioned
                            ? functions.struct()
                            : functions.col("add." + name))
                .toArray(Column[]::new));
  }

  private static KernelType.Struct visitSchema(long handle, int which) {
    IrBuilder ir = new IrBuilder();
    return ir.get(NativeKernel.visitSchema(handle, which, ir), KernelType.Struct.class);
  }

  private static String logReplay(SparkSession spark) {
    String replay = spark.conf().get(LOG_REPLAY_CONF, AUTO);
    if (!List.of(AUTO, IN_PROCESS, SPARK).contains(replay)) {
      throw new IllegalArgumentException(
          LOG_REPLAY_CONF + " must be auto, in-process or spark, not " + replay);
    }
    return replay;
  }

  private static PhaseDriver driver(SparkSession spark) {
    PlanRunner plans = new PlanTranslator(spark);
    return new PhaseDriver(plans);
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
