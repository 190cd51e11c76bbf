package dev.deltaffi.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table snapshot built by the kernel's phase machine; owns its native handle. Facade used by the
 * Spark source: nothing outside this package touches the natives. Every call takes the {@link
 * KernelEngine} its caller wired: where plans run, the storage, who replays the log.
 */
public final class KernelSnapshot implements AutoCloseable {
  /** One INFO line per snapshot load and per scan plan; see the README's logging section. */
  private static final Logger LOG = LoggerFactory.getLogger(KernelSnapshot.class);

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

  /** Another owner of the same snapshot, with a handle of its own (both to be closed). */
  private KernelSnapshot(KernelSnapshot shared) {
    this.handle = new NativeHandle(NativeKernel.shareSnapshot(shared.handle.id()));
    this.tableRoot = shared.tableRoot;
    this.version = shared.version;
    this.schema = shared.schema;
    this.partitionColumns = shared.partitionColumns;
    this.columnMappingMode = shared.columnMappingMode;
    this.rowTrackingColumns = shared.rowTrackingColumns;
    this.phaseLog = shared.phaseLog;
  }

  /** The same snapshot under a handle of the caller's own: closing one leaves the other open. */
  public KernelSnapshot share() {
    return new KernelSnapshot(this);
  }

  /**
   * Whether every log file this snapshot was built from is still listed, unchanged (size and
   * modification time), read through {@code io}: a table written again, a rewritten commit or a
   * cleaned-up log file since makes it false.
   */
  public boolean logUnchanged(Storage io) {
    return NativeKernel.logUnchanged(handle.id(), io);
  }

  /** Loads the latest snapshot, or the one at {@code version}, of the table at {@code tableUri}. */
  public static KernelSnapshot load(KernelEngine engine, String tableUri, OptionalLong version) {
    return version.isPresent()
        ? load(engine, tableUri, NativeKernel.AT_VERSION, version.getAsLong())
        : load(engine, tableUri, NativeKernel.LATEST, 0);
  }

  /**
   * Loads the snapshot of the latest version committed at or before {@code timestampMillis} (in
   * commit timestamps where the table has them).
   */
  public static KernelSnapshot loadAsOf(
      KernelEngine engine, String tableUri, long timestampMillis) {
    return load(engine, tableUri, NativeKernel.AS_OF_TIMESTAMP, timestampMillis);
  }

  private static KernelSnapshot load(
      KernelEngine engine, String tableUri, int travelKind, long travelValue) {
    String root = tableUri.endsWith("/") ? tableUri : tableUri + "/";
    NativeLog.refreshLevels();
    long start = System.nanoTime();
    return build(
        engine,
        NativeKernel.startSnapshot(
            root, travelKind, travelValue, engine.storage(), engine.snapshotsInProcess()),
        "loaded",
        start);
  }

  /**
   * The table's latest snapshot, built from this one: the kernel lists and replays only the commits
   * after it. This snapshot stays open.
   */
  public KernelSnapshot refresh(KernelEngine engine) {
    NativeLog.refreshLevels();
    long start = System.nanoTime();
    return build(
        engine,
        NativeKernel.startRefresh(handle.id(), engine.storage(), engine.snapshotsInProcess()),
        "refreshed from version " + version,
        start);
  }

  /**
   * Drives a snapshot machine to its Terminus; logs the load ({@code how}) begun at {@code start}.
   */
  private static KernelSnapshot build(
      KernelEngine engine, long machineHandle, String how, long start) {
    try (NativeHandle machine = new NativeHandle(machineHandle)) {
      NativeHandle snapshot =
          new PhaseDriver(engine.plans())
              .run(
                  machine,
                  plan -> {
                    throw new IllegalStateException("a snapshot has no PartialResult phase");
                  });
      try {
        KernelSnapshot loaded = new KernelSnapshot(snapshot);
        if (LOG.isInfoEnabled()) {
          loaded.logLoad(engine, how, start);
        }
        return loaded;
      } catch (RuntimeException e) {
        snapshot.close();
        throw e;
      }
    }
  }

  private void logLoad(KernelEngine engine, String how, long start) {
    long[] shape = NativeKernel.logShape(handle.id());
    LOG.info(
        "snapshot {} of {} version {}: {} + {} commits ({} bytes of log); protocol and metadata"
            + " replayed {}{}; {} ms",
        how,
        tableRoot,
        version,
        shape[0] < 0 ? "no checkpoint" : "checkpoint " + shape[0],
        shape[1],
        NativeKernel.logSizeBytes(handle.id()),
        engine.snapshotPlacement(),
        engine.snapshotsInProcess() ? "" : ", " + (phaseLog.size() - 1) + " Spark jobs",
        millis(start));
  }

  private static String millis(long start) {
    return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6);
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
   * machine, with a kernel predicate (in the kernel's serde JSON encoding, see KernelPredicates;
   * null: none) for partition pruning and statistics-based file skipping. Skipping is best-effort:
   * rows must still be filtered. The live files are replayed in process when the log is small
   * enough for {@code engine}, else by the kernel's metadata plan run as a Spark job.
   */
  public ScanPlan planScan(KernelEngine engine, List<String> columns, String predicateJson) {
    String[] names = columns == null ? null : columns.toArray(new String[0]);
    NativeLog.refreshLevels();
    long start = System.nanoTime();
    long logBytes = NativeKernel.logSizeBytes(handle.id());
    boolean inProcess = engine.scanInProcess(logBytes);
    List<Plan> metadataPlans = new ArrayList<>();
    try (NativeHandle machine =
            new NativeHandle(
                NativeKernel.startScan(
                    handle.id(), names, predicateJson, engine.storage(), inProcess));
        NativeHandle scan = new PhaseDriver(engine.plans()).run(machine, metadataPlans::add)) {
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
        for (InternalRow row : PhaseDriver.runOnSpark(() -> liveFiles(engine.plans(), plan))) {
          files.add(LiveFiles.decode(tableRoot, row, partitionFields));
        }
      }
      long[] counts = NativeKernel.scanFileCounts(scan.id());
      ScanPlan planned =
          new ScanPlan(
              logical,
              physical,
              partitionSchema,
              files,
              counts == null
                  ? Optional.empty()
                  : Optional.of(new ScanPlan.FileCounts(counts[0], counts[1], counts[2])),
              NativeKernel.widensSmallIntegersToDecimal(scan.id()),
              log,
              Optional.of(new ScanPlan.PlanningCost(logBytes, System.nanoTime() - start)));
      if (LOG.isInfoEnabled()) {
        LOG.info(
            "scan of {} version {}: {}; columns {}, predicate {}; live files replayed {}; {} ms",
            tableRoot,
            version,
            planned
                .kernelCounts()
                .map(
                    c ->
                        c.kept()
                            + " of "
                            + c.seen()
                            + " add actions kept, "
                            + c.pruned()
                            + " pruned by the predicate")
                .orElse(files.size() + " files kept (counted from the Spark job)"),
            columns == null ? "all" : columns,
            predicateJson == null ? "none" : predicateJson,
            engine.scanPlacement(logBytes),
            millis(start));
      }
      return planned;
    }
  }

  /**
   * The kernel's metadata plan as a Spark DataFrame of its live {@code add} rows, projected to the
   * live-files contract (an empty partition struct when the table is unpartitioned).
   */
  private static Dataset<Row> liveFiles(PlanRunner plans, Plan plan) {
    KernelType.Struct add = (KernelType.Struct) plan.schema().field("add").type();
    boolean partitioned = add.field("partitionValues_parsed") != null;
    return plans
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

  /**
   * One commit as a stream reads it.
   *
   * @param timestamp milliseconds since the epoch (the in-commit timestamp where enabled)
   * @param added the files it added with {@code dataChange}, in the commit's order
   * @param removesData whether it removed a file with {@code dataChange} (a DELETE, UPDATE, MERGE
   *     or overwrite)
   * @param schema the table schema it set, null when it has no metadata action
   * @param hasCdcFiles whether it recorded its changes in {@code cdc} files
   * @param changeFiles the files a change data feed reads for it: its {@code cdc} files when it has
   *     any, else its {@code dataChange} adds and removes
   * @param changeBytes their size
   * @param changeDataFeedOff whether it has a metadata action that leaves the change data feed off
   */
  public record Commit(
      long version,
      long timestamp,
      List<ScanFileInfo> added,
      boolean removesData,
      KernelType.Struct schema,
      boolean hasCdcFiles,
      long changeFiles,
      long changeBytes,
      boolean changeDataFeedOff) {}

  /**
   * The commits from version {@code from} to this snapshot's version (none when {@code from} is
   * past it), read in process through {@code io}; the kernel validates each commit's protocol.
   */
  public List<Commit> commitsFrom(Storage io, long from) {
    IrBuilder ir = new IrBuilder();
    int partitionFields = partitionColumns.size();
    List<ScanFileInfo> files = new ArrayList<>();
    long[][] summaries = new long[1][];
    RowStreams.importBatches(
        address -> {
          summaries[0] = NativeKernel.streamCommits(handle.id(), io, from, ir, address);
          return true;
        },
        (fields, batch) -> {
          if (!fields.equals(LiveFiles.COLUMNS)) {
            throw new IllegalStateException("added files arrived as " + fields);
          }
          batch
              .rowIterator()
              .forEachRemaining(
                  row -> files.add(LiveFiles.decode(tableRoot, row, partitionFields)));
        });
    List<Commit> commits = new ArrayList<>();
    long[] values = summaries[0];
    int next = 0;
    for (int i = 0; i < values.length; i += 9) {
      int added = (int) values[i + 2];
      commits.add(
          new Commit(
              values[i],
              values[i + 1],
              List.copyOf(files.subList(next, next + added)),
              values[i + 3] == 1,
              values[i + 4] < 0 ? null : ir.get((int) values[i + 4], KernelType.Struct.class),
              values[i + 5] == 1,
              values[i + 6],
              values[i + 7],
              values[i + 8] == 1));
      next += added;
    }
    return commits;
  }

  /**
   * The first commit at or after {@code millis} (since the epoch), this being the latest snapshot:
   * where a stream by {@code startingTimestamp} starts. A time after the latest commit fails.
   */
  public long firstVersionFrom(Storage io, long millis) {
    return NativeKernel.firstVersionFrom(handle.id(), io, millis);
  }

  /**
   * The table's properties as delta-spark's table states them: the metadata's configuration, the
   * protocol versions ({@code delta.minReaderVersion}, {@code delta.minWriterVersion}) and {@code
   * delta.feature.<name>=supported} for each feature the protocol names; sorted by key.
   */
  public Map<String, String> tableProperties() {
    String[] flat = NativeKernel.tableProperties(handle.id());
    Map<String, String> properties = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.length; i += 2) {
      properties.put(flat[i], flat[i + 1]);
    }
    return properties;
  }

  /** The columns of {@link #history}'s rows: delta-spark's DESCRIBE HISTORY columns. */
  public static final List<String> HISTORY_COLUMNS =
      List.of(
          "version",
          "timestamp",
          "userId",
          "userName",
          "operation",
          "operationParameters",
          "job",
          "notebook",
          "clusterId",
          "readVersion",
          "isolationLevel",
          "isBlindAppend",
          "operationMetrics",
          "userMetadata",
          "engineInfo");

  /**
   * The table's history up to this version, newest first: every commit, or the latest {@code limit}
   * when it is positive. Each commit's {@code commitInfo} is read by the kernel's JSON handler
   * through {@code io}; {@code each} sees the rows batch by batch (valid during the call), with
   * {@link #HISTORY_COLUMNS}.
   */
  public void history(Storage io, long limit, Consumer<ColumnarBatch> each) {
    RowStreams.importBatches(
        address -> {
          NativeKernel.tableHistory(handle.id(), io, limit, address);
          return true;
        },
        (names, batch) -> {
          if (!names.equals(HISTORY_COLUMNS)) {
            throw new IllegalStateException("history arrived as " + names);
          }
          each.accept(batch);
        });
  }

  /**
   * What DESCRIBE DETAIL shows of the snapshot's metadata and protocol.
   *
   * @param createdAt milliseconds since the epoch, null when the metadata does not say
   * @param lastModified the latest commit file's modification time, milliseconds since the epoch
   * @param tableFeatures the features the protocol names, and those a legacy protocol implies
   */
  public record Detail(
      String id,
      String name,
      String description,
      Long createdAt,
      long lastModified,
      List<String> partitionColumns,
      List<String> clusteringColumns,
      Map<String, String> properties,
      int minReaderVersion,
      int minWriterVersion,
      List<String> tableFeatures) {}

  /** The snapshot's {@link Detail}, its latest commit time read through {@code io}. */
  public Detail detail(Storage io) {
    String json = NativeKernel.tableDetail(handle.id(), io);
    try {
      JsonNode node = JSON.readTree(json);
      Map<String, String> properties = new LinkedHashMap<>();
      node.get("properties")
          .fields()
          .forEachRemaining(e -> properties.put(e.getKey(), e.getValue().asText()));
      return new Detail(
          node.get("id").asText(),
          textOrNull(node.get("name")),
          textOrNull(node.get("description")),
          node.get("createdAt").isNull() ? null : node.get("createdAt").asLong(),
          node.get("lastModified").asLong(),
          strings(node.get("partitionColumns")),
          strings(node.get("clusteringColumns")),
          properties,
          node.get("minReaderVersion").asInt(),
          node.get("minWriterVersion").asInt(),
          strings(node.get("tableFeatures")));
    } catch (IOException e) {
      throw new UncheckedIOException("the kernel's table detail is not JSON: " + json, e);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return List.copyOf(values);
  }

  private static KernelType.Struct visitSchema(long handle, int which) {
    IrBuilder ir = new IrBuilder();
    return ir.get(NativeKernel.visitSchema(handle, which, ir), KernelType.Struct.class);
  }

  @Override
  public void close() {
    handle.close();
  }
}
