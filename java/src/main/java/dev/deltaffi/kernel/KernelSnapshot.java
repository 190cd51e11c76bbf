package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.plan.FileUris;
import dev.deltaffi.plan.PlanRunner;
import dev.deltaffi.plan.PlanTranslator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
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
    // One Hadoop I/O (one copy of the session's Hadoop configuration) for both replay paths.
    HadoopIo io = hadoopIo(spark);
    return build(
        spark, io, NativeKernel.startSnapshot(root, travelKind, travelValue, inProcess(spark, io)));
  }

  /**
   * The table's latest snapshot, built from this one: the kernel lists and replays only the commits
   * after it. This snapshot stays open.
   */
  public KernelSnapshot refresh(SparkSession spark) {
    HadoopIo io = hadoopIo(spark);
    return build(spark, io, NativeKernel.startRefresh(handle.id(), inProcess(spark, io)));
  }

  /** Drives a snapshot machine to its Terminus. */
  private static KernelSnapshot build(SparkSession spark, HadoopIo io, long machineHandle) {
    try (NativeHandle machine = new NativeHandle(machineHandle)) {
      NativeHandle snapshot =
          driver(spark, io)
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

  /** The I/O a snapshot is built with in process; null: as phases ({@code spark} log replay). */
  private static HadoopIo inProcess(SparkSession spark, HadoopIo io) {
    return logReplay(spark).equals(SPARK) ? null : io;
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
    HadoopIo io = hadoopIo(spark);
    try (NativeHandle machine =
            new NativeHandle(
                NativeKernel.startScan(handle.id(), names, predicateJson, inProcess ? io : null));
        NativeHandle scan = driver(spark, io).run(machine, metadataPlans::add)) {
      KernelType.Struct logical = visitSchema(scan.id(), NativeKernel.SCAN_LOGICAL_SCHEMA);
      KernelType.Struct physical = visitSchema(scan.id(), NativeKernel.SCAN_PHYSICAL_SCHEMA);
      List<String> log = List.of(NativeKernel.phaseLog(scan.id()));
      List<ScanFileInfo> files = new ArrayList<>();
      KernelType.Struct partitionSchema = new KernelType.Struct(List.of());
      if (inProcess) {
        partitionSchema = visitSchema(scan.id(), NativeKernel.SCAN_PARTITION_SCHEMA);
        inProcessFiles(scan.id(), partitionSchema, files);
      }
      for (Plan plan : metadataPlans) {
        partitionSchema = liveFiles(spark, plan, files);
      }
      long totalFiles = NativeKernel.scanTotalFiles(scan.id());
      return new ScanPlan(
          logical,
          physical,
          partitionSchema,
          files,
          totalFiles < 0 ? OptionalLong.empty() : OptionalLong.of(totalFiles),
          log);
    }
  }

  /** The live files an in-process scan found: the kernel's scan rows, taken as Arrow. */
  private void inProcessFiles(
      long scan, KernelType.Struct partitionSchema, List<ScanFileInfo> files) {
    int partitionFields = partitionSchema.fields().size();
    RowStreams.importBatches(
        address -> NativeKernel.takeScanFiles(scan, address),
        (names, batch) -> {
          int path = names.indexOf("path");
          int size = names.indexOf("size");
          int modificationTime = names.indexOf("modificationTime");
          int deletionVector = names.indexOf("deletionVector");
          int constants = names.indexOf("fileConstantValues");
          int parsed = names.indexOf("partitionValues_parsed");
          Iterator<InternalRow> rows = batch.rowIterator();
          while (rows.hasNext()) {
            InternalRow row = rows.next();
            // fileConstantValues: partitionValues, baseRowId, defaultRowCommitVersion, tags, ...
            InternalRow fileConstants = row.getStruct(constants, 5);
            files.add(
                scanFile(
                    row.getUTF8String(path).toString(),
                    row.getLong(size),
                    row.getLong(modificationTime),
                    row.isNullAt(deletionVector) ? null : row.getStruct(deletionVector, 5),
                    parsed < 0 || row.isNullAt(parsed)
                        ? new GenericInternalRow(0)
                        : row.getStruct(parsed, partitionFields),
                    nullableLong(fileConstants, 1),
                    nullableLong(fileConstants, 2)));
          }
        });
  }

  /**
   * Runs the kernel's metadata plan on Spark and collects its live {@code add} rows as scan files.
   * Returns the kernel-typed partition schema (physical names), empty when unpartitioned.
   */
  private KernelType.Struct liveFiles(SparkSession spark, Plan plan, List<ScanFileInfo> files) {
    KernelType.Struct add = (KernelType.Struct) plan.schema().field("add").type();
    KernelType.Field parsed = add.field("partitionValues_parsed");
    int partitionFields = parsed == null ? 0 : ((KernelType.Struct) parsed.type()).fields().size();
    Dataset<Row> adds =
        new PlanTranslator(spark)
            .toDataFrame(plan)
            .select(
                functions.col("add.path"),
                functions.col("add.size"),
                functions.col("add.modificationTime"),
                functions.col("add.deletionVector"),
                parsed == null ? functions.struct() : functions.col("add.partitionValues_parsed"),
                functions.col("add.baseRowId"),
                functions.col("add.defaultRowCommitVersion"));
    for (InternalRow row : PhaseDriver.collect(adds)) {
      files.add(
          scanFile(
              row.getUTF8String(0).toString(),
              row.getLong(1),
              row.getLong(2),
              row.isNullAt(3) ? null : row.getStruct(3, 5),
              parsed == null || row.isNullAt(4)
                  ? new GenericInternalRow(0)
                  : row.getStruct(4, partitionFields),
              nullableLong(row, 5),
              nullableLong(row, 6)));
    }
    return parsed == null ? new KernelType.Struct(List.of()) : (KernelType.Struct) parsed.type();
  }

  /**
   * A live file from its {@code add} fields; {@code deletionVector} is the kernel's descriptor
   * struct (storageType, pathOrInlineDv, offset, sizeInBytes, cardinality) or null.
   */
  private ScanFileInfo scanFile(
      String path,
      long size,
      long modificationTime,
      InternalRow deletionVector,
      InternalRow partitionValues,
      Long baseRowId,
      Long defaultRowCommitVersion) {
    return new ScanFileInfo(
        FileUris.resolve(tableRoot, path).toString(),
        size,
        modificationTime,
        partitionValues.copy(),
        deletionVector == null
            ? null
            : new DeletionVectors.Descriptor(
                deletionVector.getUTF8String(0).toString(),
                deletionVector.getUTF8String(1).toString(),
                deletionVector.isNullAt(2) ? null : deletionVector.getInt(2),
                deletionVector.getInt(3),
                deletionVector.getLong(4)),
        baseRowId,
        defaultRowCommitVersion);
  }

  private static Long nullableLong(InternalRow row, int ordinal) {
    return row.isNullAt(ordinal) ? null : row.getLong(ordinal);
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

  private static PhaseDriver driver(SparkSession spark, HadoopIo io) {
    PlanRunner plans = new PlanTranslator(spark);
    return new PhaseDriver(io, plans);
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
