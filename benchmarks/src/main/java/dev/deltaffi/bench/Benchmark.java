package dev.deltaffi.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import dev.deltaffi.io.CountingFileSystem;
import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.PhaseObserver;
import dev.deltaffi.kernel.ScanPlan;
import dev.deltaffi.objectstore.S3Server;
import dev.deltaffi.spark.KernelEngines;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.StorageStatistics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.stats.DeltaScan;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Issue 4's benchmark: format("delta-ffi") against delta-spark (and raw Parquet of the same live
 * files where that makes sense), alternating the readers in one JVM, medians of the measured runs.
 * Prints one {@code RESULT} line per scenario; other lines start with {@code #}.
 *
 * <p>Usage: {@code Benchmark --mode smoke|quick|full [--dir TABLES_DIR] [--only s1,s2]}.
 */
public final class Benchmark {
  private static final String FFI = "delta-ffi";

  /** delta-ffi with the log replayed as phases run on Spark (spark.deltaffi.logReplay=spark). */
  private static final String FFI_PHASES = "delta-ffi-phases";

  private static final String DELTA = "delta-spark";
  private static final String PARQUET = "parquet";

  private final SparkSession spark;
  private final Mode mode;
  private final Tables tables;

  private Benchmark(SparkSession spark, Mode mode, Tables tables) {
    this.spark = spark;
    this.mode = mode;
    this.tables = tables;
  }

  public static void main(String[] args) {
    String modeName = "quick";
    Path dir = Paths.get("benchmarks/target/benchmark-tables");
    Set<String> only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mode" -> modeName = args[++i];
        case "--dir" -> dir = Paths.get(args[++i]);
        case "--only" -> only = Set.of(args[++i].split(","));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Mode mode = Mode.named(modeName);
    SparkSession spark = session();
    int status = 0;
    try {
      Benchmark benchmark = new Benchmark(spark, mode, new Tables(spark, dir.toAbsolutePath()));
      System.out.println("# " + mode + ", tables in " + dir.toAbsolutePath());
      Map<String, Callable<String>> scenarios = new LinkedHashMap<>();
      scenarios.put("cold_snapshot", benchmark::coldSnapshot);
      scenarios.put("scan_planning", benchmark::scanPlanning);
      scenarios.put("full_scan", benchmark::fullScan);
      scenarios.put("selective", benchmark::selective);
      scenarios.put("bridge", benchmark::bridge);
      scenarios.put("change_feed", benchmark::changeFeed);
      scenarios.put("snapshot_refresh", benchmark::snapshotRefresh);
      scenarios.put("dv_scan", benchmark::dvScan);
      if (mode.objectStore()) {
        scenarios.put("object_store", benchmark::objectStore);
      }
      for (Map.Entry<String, Callable<String>> scenario : scenarios.entrySet()) {
        if (only == null || only.contains(scenario.getKey())) {
          long start = System.nanoTime();
          System.out.println(scenario.getValue().call());
          System.out.printf(
              Locale.ROOT, "# %s took %.0f s%n", scenario.getKey(), Timings.since(start));
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    } finally {
      spark.stop();
    }
    System.exit(status);
  }

  private static SparkSession session() {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("delta-ffi benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            // spark.read.parquet(files) lists more than 32 paths with a Spark job by default; on
            // one
            // machine the driver lists them faster, so the Parquet baseline is not charged a job.
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
            .config(
                "spark.hadoop.fs." + CountingFileSystem.SCHEME + ".impl",
                CountingFileSystem.class.getName())
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /** 1. The latest snapshot of a long log: a new snapshot each run, no cache reused. */
  private String coldSnapshot() throws Exception {
    long last = (long) mode.checkpoints() * mode.checkpointInterval() + mode.tailCommits();
    String table = tables.commitLog((int) last, mode.checkpointInterval());
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), snapshotReaders(table, last));
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty())) {
      System.out.println(
          "# cold_snapshot: versions 0.."
              + last
              + ", checkpoint every "
              + mode.checkpointInterval()
              + "; delta-ffi phases "
              + snapshot.phaseLog());
    }
    return result("cold_snapshot", timings, "ffi_phases=" + seconds(timings.median(FFI_PHASES)));
  }

  /** Each reader loads a new snapshot (delta-spark's cache cleared first, outside the clock). */
  private Map<String, Timings.Run> snapshotReaders(String table, long expectedVersion) {
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    readers.put(FFI, t -> ffiSnapshot(table, expectedVersion));
    readers.put(FFI_PHASES, t -> withPhases(() -> ffiSnapshot(table, expectedVersion)));
    readers.put(DELTA, t -> deltaSnapshot(table, expectedVersion));
    return readers;
  }

  private double ffiSnapshot(String table, long expectedVersion) {
    long start = System.nanoTime();
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty())) {
      double seconds = Timings.since(start);
      expect(FFI + " version", snapshot.version(), expectedVersion);
      return seconds;
    }
  }

  private double deltaSnapshot(String table, long expectedVersion) {
    DeltaLog.clearCache();
    long start = System.nanoTime();
    Snapshot snapshot = DeltaLog.forTableWithSnapshot(spark, table)._2();
    snapshot.metadata().schema();
    double seconds = Timings.since(start);
    expect(DELTA + " version", snapshot.version(), expectedVersion);
    return seconds;
  }

  /**
   * 2. The live file list of a table whose multi-part checkpoint holds most of its files, with
   * commits adding the rest after it; cold each run.
   */
  private String scanPlanning() throws Exception {
    int files = mode.planningFiles();
    String table = tables.manyFiles(files, mode.planningTailCommits());
    scala.collection.immutable.Seq<Expression> noFilters =
        CollectionConverters.asScala(List.<Expression>of()).toSeq();
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    readers.put(FFI, t -> ffiPlanning(t, FFI, table, files));
    readers.put(FFI_PHASES, t -> withPhases(() -> ffiPlanning(t, FFI_PHASES, table, files)));
    readers.put(
        DELTA,
        t -> {
          DeltaLog.clearCache();
          long start = System.nanoTime();
          Snapshot snapshot = DeltaLog.forTableWithSnapshot(spark, table)._2();
          double loaded = Timings.since(start);
          long planStart = System.nanoTime();
          int planned = snapshot.filesForScan(noFilters, false).files().size();
          double planning = Timings.since(planStart);
          expect(DELTA + " files", planned, files);
          t.add(DELTA + " snapshot", loaded);
          t.add(DELTA + " plan", planning);
          return loaded + planning;
        });
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);

    // Driver heap still used after GC while holding the snapshot and its plan (rough; delta-spark
    // also holds its cached state, in the local block manager; the kernel's native memory is not
    // Java heap and is not counted).
    long before = baselineHeap();
    long ffiHeap;
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty())) {
      ScanPlan plan = snapshot.planScan(KernelEngines.of(spark), null, null);
      ffiHeap = usedHeapAfterGc() - before;
      Reference.reachabilityFence(plan);
    }
    before = baselineHeap();
    DeltaScan scan =
        DeltaLog.forTableWithSnapshot(spark, table)._2().filesForScan(noFilters, false);
    long deltaHeap = usedHeapAfterGc() - before;
    Reference.reachabilityFence(scan);
    DeltaLog.clearCache();

    System.out.println(
        "# scan_planning: "
            + files
            + " files ("
            + mode.planningTailCommits()
            + " of them in commits after the checkpoint); snapshot+plan seconds: "
            + parts(timings, FFI, "snapshot", "plan")
            + ", "
            + parts(timings, FFI_PHASES, "snapshot", "plan")
            + ", "
            + parts(timings, DELTA, "snapshot", "plan"));
    return result(
        "scan_planning",
        timings,
        "ffi_phases=" + seconds(timings.median(FFI_PHASES)),
        "heap_ffi_mb=" + megabytes(ffiHeap),
        "heap_delta_mb=" + megabytes(deltaHeap));
  }

  /** Loads the latest snapshot and plans a scan of all files, timing both under {@code key}. */
  private double ffiPlanning(Timings t, String key, String table, int files) {
    long start = System.nanoTime();
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty())) {
      double loaded = Timings.since(start);
      long planStart = System.nanoTime();
      int planned = snapshot.planScan(KernelEngines.of(spark), null, null).files().size();
      double planning = Timings.since(planStart);
      expect(key + " files", planned, files);
      t.add(key + " snapshot", loaded);
      t.add(key + " plan", planning);
      return loaded + planning;
    }
  }

  /** Runs {@code run} with the kernel's log replayed as phases whose plans run on Spark. */
  private <T> T withPhases(Callable<T> run) throws Exception {
    spark.conf().set(KernelEngines.LOG_REPLAY_CONF, KernelEngines.SPARK);
    try {
      return run.call();
    } finally {
      spark.conf().unset(KernelEngines.LOG_REPLAY_CONF);
    }
  }

  /** 3. count(*) and sum over all rows: two queries per run, each on a newly loaded table. */
  private String fullScan() throws Exception {
    long rows = mode.scanRows();
    String table = tables.rows(rows, mode.scanFiles());
    String[] live = liveFiles(table);
    long expectedSum = valueSum(0, rows);
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    Map<String, Supplier<Dataset<Row>>> frames = new LinkedHashMap<>();
    frames.put(FFI, () -> spark.read().format("delta-ffi").load(table));
    frames.put(DELTA, () -> spark.read().format("delta").load(table));
    frames.put(PARQUET, () -> spark.read().parquet(live));
    for (Map.Entry<String, Supplier<Dataset<Row>>> frame : frames.entrySet()) {
      readers.put(frame.getKey(), countAndSum(frame.getKey(), frame.getValue(), rows, expectedSum));
    }
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
    boolean deltaFromLog =
        spark
            .read()
            .format("delta")
            .load(table)
            .agg(count(lit(1)))
            .queryExecution()
            .executedPlan()
            .toString()
            .contains("LocalTableScan");
    System.out.println(
        "# full_scan: "
            + rows
            + " rows in "
            + live.length
            + " files; count+sum seconds: "
            + parts(timings, FFI, "count", "sum")
            + ", "
            + parts(timings, DELTA, "count", "sum")
            + ", "
            + parts(timings, PARQUET, "count", "sum")
            + (deltaFromLog ? "; delta-spark answers count(*) from the log's statistics" : ""));
    return result("full_scan", timings);
  }

  /**
   * 4. A range filter on the clustering key keeping about 1 % of the files; files read counted by a
   * separate run through {@link CountingFileSystem}.
   */
  private String selective() throws Exception {
    long rows = mode.selectiveRows();
    int files = mode.selectiveFiles();
    String table = tables.rows(rows, files);
    long perFile = rows / files;
    int hitFiles = Math.max(1, files / 100);
    long low = (files / 2) * perFile;
    long high = low + hitFiles * perFile;
    Column filter = col("id").geq(low).and(col("id").lt(high));
    String[] live = liveFiles(table);
    Map<String, Function<String, Dataset<Row>>> frames = new LinkedHashMap<>();
    frames.put(FFI, root -> spark.read().format("delta-ffi").load(root));
    frames.put(DELTA, root -> spark.read().format("delta").load(root));
    frames.put(
        PARQUET,
        root ->
            spark
                .read()
                .parquet(
                    root.equals(table)
                        ? live
                        : Arrays.stream(live).map(CountingFileSystem::uri).toArray(String[]::new)));
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    for (Map.Entry<String, Function<String, Dataset<Row>>> frame : frames.entrySet()) {
      readers.put(
          frame.getKey(),
          t -> {
            long start = System.nanoTime();
            Row row =
                frame
                    .getValue()
                    .apply(table)
                    .filter(filter)
                    .agg(count(lit(1)), sum("value"))
                    .first();
            double seconds = Timings.since(start);
            expect(frame.getKey() + " rows", row.getLong(0), high - low);
            expect(frame.getKey() + " sum", row.getLong(1), valueSum(low, high));
            return seconds;
          });
    }
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
    Map<String, Integer> opened = new LinkedHashMap<>();
    for (Map.Entry<String, Function<String, Dataset<Row>>> frame : frames.entrySet()) {
      CountingFileSystem.reset();
      frame
          .getValue()
          .apply(CountingFileSystem.uri(table))
          .filter(filter)
          .agg(count(lit(1)))
          .first();
      opened.put(frame.getKey(), CountingFileSystem.openedDataFiles().size());
    }
    System.out.println(
        "# selective: "
            + rows
            + " rows in "
            + files
            + " files, id in ["
            + low
            + ", "
            + high
            + ") lies in "
            + hitFiles
            + " files");
    return result(
        "selective",
        timings,
        "files_ffi=" + opened.get(FFI),
        "files_delta=" + opened.get(DELTA),
        "files_parquet=" + opened.get(PARQUET),
        "files_needed=" + hitFiles);
  }

  /**
   * 5. The bridge: a snapshot of a small log (no checkpoint) by each reader; then, with the log
   * replayed as Spark jobs, what one kernel phase costs the bridge itself (the native calls that
   * read and answer it, less the kernel's own work in them), clocked by a {@link PhaseObserver} on
   * the real phase driver.
   */
  private String bridge() throws Exception {
    long last = mode.bridgeCommits() - 1;
    String table = tables.commitLog((int) last, 1_000_000);
    Timings loads =
        Timings.alternate(mode.warmups(), mode.bridgeRuns(), snapshotReaders(table, last));
    List<List<PhaseObserver.Phase>> lastRun = new ArrayList<>(List.of(List.of()));
    Map<String, Timings.Run> probe = new LinkedHashMap<>();
    probe.put(
        "phases",
        t -> {
          long threads = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
          List<PhaseObserver.Phase> phases = new ArrayList<>();
          withPhases(
              () ->
                  PhaseObserver.observing(
                      phases::add,
                      () -> {
                        KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty())
                            .close();
                        return 0.0;
                      }));
          t.add(
              "threads",
              ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - threads);
          t.add("kernel", total(phases, PhaseObserver.Phase::kernelNanos));
          t.add("engine", total(phases, PhaseObserver.Phase::engineNanos));
          double bridge = total(phases, PhaseObserver.Phase::bridgeNanos);
          t.add("per phase", bridge / phases.size());
          lastRun.set(0, phases);
          return bridge;
        });
    Timings probed = Timings.alternate(mode.warmups(), mode.bridgeRuns(), probe);
    Timings logging = loggingCost(table);
    System.out.println(
        "# bridge: in-process load with dev.deltaffi at OFF "
            + micros(logging.median(LOG_OFF))
            + " µs, at INFO (DEBUG disabled: the INFO line, every DEBUG event gated in Rust) "
            + micros(logging.median(LOG_INFO))
            + " µs");
    System.out.println(
        "# bridge: log of "
            + (last + 1)
            + " commits replayed as Spark jobs, last run's phases: "
            + lastRun.get(0));
    System.out.println(
        "# bridge: per load, median µs: bridge "
            + micros(probed.median("phases"))
            + ", kernel "
            + micros(probed.median("kernel"))
            + ", engine (Spark jobs, Arrow) "
            + micros(probed.median("engine"))
            + "; JVM threads started per load: "
            + probed.median("threads"));
    return result(
        "bridge",
        loads,
        "ffi_phases=" + seconds(loads.median(FFI_PHASES)),
        "phases=" + lastRun.get(0).size(),
        "phase_step_us=" + micros(probed.median("per phase")),
        "log_off=" + seconds(logging.median(LOG_OFF)),
        "log_info=" + seconds(logging.median(LOG_INFO)),
        "ratio_log_info="
            + String.format(
                Locale.ROOT, "%.3f", logging.median(LOG_INFO) / logging.median(LOG_OFF)));
  }

  /**
   * 6. Batch change data feed over every commit of a table (inserts, updates, deletes): the rows of
   * the feed by each reader, counted.
   */
  private String changeFeed() throws Exception {
    int commits = mode.changeFeedCommits();
    String table = tables.changeFeed(commits);
    long[] counts = new long[2];
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    int index = 0;
    for (String reader : List.of(FFI, DELTA)) {
      String format = reader.equals(FFI) ? "delta-ffi" : "delta";
      int slot = index++;
      readers.put(
          reader,
          t -> {
            long start = System.nanoTime();
            counts[slot] =
                spark
                    .read()
                    .format(format)
                    .option("readChangeFeed", "true")
                    .option("startingVersion", "0")
                    .load(table)
                    .selectExpr("count(*)", "sum(length(v))", "count(distinct _change_type)")
                    .first()
                    .getLong(0);
            return Timings.since(start);
          });
    }
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
    expect("change feed rows of delta-ffi", counts[0], counts[1]);
    return result("change_feed", timings, "commits=" + commits, "rows=" + counts[0]);
  }

  private static final String LOG_OFF = "log_off";
  private static final String LOG_INFO = "log_info";

  /**
   * The in-process snapshot load of {@code table} with the {@code dev.deltaffi} loggers off, and at
   * INFO (the default: its one INFO line written, the kernel's and the bridge's DEBUG events
   * refused by the Rust-side level gate before any JNI call), alternating.
   */
  private Timings loggingCost(String table) throws Exception {
    org.apache.logging.log4j.Level before =
        org.apache.logging.log4j.LogManager.getLogger("dev.deltaffi").getLevel();
    Map<String, Timings.Run> levels = new LinkedHashMap<>();
    for (Map.Entry<String, org.apache.logging.log4j.Level> level :
        Map.of(
                LOG_OFF,
                org.apache.logging.log4j.Level.OFF,
                LOG_INFO,
                org.apache.logging.log4j.Level.INFO)
            .entrySet()) {
      levels.put(
          level.getKey(),
          t -> {
            org.apache.logging.log4j.core.config.Configurator.setLevel(
                "dev.deltaffi", level.getValue());
            long start = System.nanoTime();
            KernelSnapshot.load(KernelEngines.of(spark), table, OptionalLong.empty()).close();
            return Timings.since(start);
          });
    }
    try {
      return Timings.alternate(mode.warmups(), mode.bridgeRuns(), levels);
    } finally {
      org.apache.logging.log4j.core.config.Configurator.setLevel("dev.deltaffi", before);
    }
  }

  private static double total(
      List<PhaseObserver.Phase> phases, ToLongFunction<PhaseObserver.Phase> nanos) {
    return phases.stream().mapToLong(nanos).sum() / 1e9;
  }

  /**
   * A run of {@code reader}: {@code count(*)}, then {@code sum(value)}, each on a fresh frame, both
   * checked ({@code reader count} and {@code reader sum} keep the parts).
   */
  private static Timings.Run countAndSum(
      String reader, Supplier<Dataset<Row>> frame, long rows, long expectedSum) {
    return t -> {
      long start = System.nanoTime();
      long counted = frame.get().agg(count(lit(1))).first().getLong(0);
      double counting = Timings.since(start);
      start = System.nanoTime();
      long summed = frame.get().agg(sum("value")).first().getLong(0);
      double summing = Timings.since(start);
      expect(reader + " count", counted, rows);
      expect(reader + " sum", summed, expectedSum);
      t.add(reader + " count", counting);
      t.add(reader + " sum", summing);
      return counting + summing;
    };
  }

  /**
   * 8. A full scan of a table after a DELETE that left deletion vectors in every file (a tenth of
   * the rows, {@code id % 10 = 3}): delta-ffi and delta-spark drop the deleted rows; raw Parquet of
   * the same files reads them all (the I/O floor).
   */
  private String dvScan() throws Exception {
    long rows = mode.scanRows();
    String table = tables.rowsWithDeletionVectors(rows, mode.scanFiles());
    String[] files = liveFiles(table);
    long kept = rows - rows / 10;
    // Per 1,000 ids the deleted values are 3, 13, ..., 993: 100 of them, summing to 49,800.
    long keptSum = valueSum(0, rows) - rows / 1000 * 49_800;
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    readers.put(
        FFI, countAndSum(FFI, () -> spark.read().format("delta-ffi").load(table), kept, keptSum));
    readers.put(
        DELTA, countAndSum(DELTA, () -> spark.read().format("delta").load(table), kept, keptSum));
    readers.put(
        PARQUET, countAndSum(PARQUET, () -> spark.read().parquet(files), rows, valueSum(0, rows)));
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
    System.out.println(
        "# dv_scan: "
            + rows
            + " rows in "
            + files.length
            + " files, "
            + (rows - kept)
            + " deleted by deletion vectors in every file; count+sum seconds: "
            + parts(timings, FFI, "count", "sum")
            + ", "
            + parts(timings, DELTA, "count", "sum")
            + ", "
            + parts(timings, PARQUET, "count", "sum"));
    return result("dv_scan", timings);
  }

  /**
   * 9. Scenario 4's two reads, the selective one (1 % of the files) and a full count and sum, of a
   * table of a tenth of its size uploaded to a loopback S3 server (spark-tests' S3Server, moto's)
   * and read through S3A, each read cold: a new S3A client, no DeltaLog, no kept snapshot. {@code
   * requests_*}: the requests the server received for one such pair of reads by each reader.
   */
  private String objectStore() throws Exception {
    long rows = mode.selectiveRows() / 10;
    int files = mode.selectiveFiles() / 10;
    String local = tables.rows(rows, files);
    long perFile = rows / files;
    long low = (files / 2) * perFile;
    long high = low + perFile;
    Path logs = Files.createTempDirectory("delta-ffi-bench-s3-");
    try (S3Server s3 = S3Server.start(logs)) {
      Map<String, String> settings = s3.s3aSettings();
      settings.forEach(spark.conf()::set);
      spark.conf().set(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF, "0");
      try {
        String table = S3Server.upload(Path.of(URI.create(local)), "object-store", hadoopConf());
        Map<String, String> formats = new LinkedHashMap<>();
        formats.put(FFI, "delta-ffi");
        formats.put(DELTA, "delta");
        Map<String, Timings.Run> readers = new LinkedHashMap<>();
        formats.forEach(
            (key, format) ->
                readers.put(
                    key,
                    t -> {
                      double[] seconds = objectStoreReads(key, format, table, rows, low, high);
                      t.add(key + " selective", seconds[0]);
                      t.add(key + " full", seconds[1]);
                      return seconds[0] + seconds[1];
                    }));
        Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
        Map<String, Integer> requests = new LinkedHashMap<>();
        for (Map.Entry<String, String> format : formats.entrySet()) {
          s3.reset();
          objectStoreReads(format.getKey(), format.getValue(), table, rows, low, high);
          requests.put(format.getKey(), s3.requests().size());
        }
        System.out.println(
            "# object_store: "
                + rows
                + " rows in "
                + files
                + " files over S3A (moto on loopback); selective+full seconds: "
                + parts(timings, FFI, "selective", "full")
                + ", "
                + parts(timings, DELTA, "selective", "full"));
        return result(
            "object_store",
            timings,
            "requests_ffi=" + requests.get(FFI),
            "requests_delta=" + requests.get(DELTA));
      } finally {
        coldS3();
        settings.keySet().forEach(spark.conf()::unset);
        spark.conf().unset(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF);
      }
    }
  }

  /**
   * Scenario 9's two reads of {@code table} ({@code rows} rows) with {@code format}, each cold,
   * checked: the selective one (ids in [low, high)) and the full count and sum. Returns their
   * seconds.
   */
  private double[] objectStoreReads(
      String key, String format, String table, long rows, long low, long high) {
    Column filter = col("id").geq(low).and(col("id").lt(high));
    coldS3();
    long start = System.nanoTime();
    Row hit = spark.read().format(format).load(table).filter(filter).agg(sum("value")).first();
    double selective = Timings.since(start);
    expect(key + " selective sum", hit.getLong(0), valueSum(low, high));
    coldS3();
    start = System.nanoTime();
    Row all = spark.read().format(format).load(table).agg(count(lit(1)), sum("value")).first();
    double full = Timings.since(start);
    expect(key + " rows", all.getLong(0), rows);
    expect(key + " sum", all.getLong(1), valueSum(0, rows));
    return new double[] {selective, full};
  }

  /** Nothing of earlier reads kept: no S3A client, no DeltaLog (delta-ffi keeps no snapshot). */
  private void coldS3() {
    DeltaLog.clearCache();
    S3Server.closeClients(hadoopConf());
  }

  private org.apache.hadoop.conf.Configuration hadoopConf() {
    return spark.sessionState().newHadoopConf();
  }

  private String[] liveFiles(String table) {
    return spark.read().format("delta").load(table).inputFiles();
  }

  /** Sum of {@code id % 1000} over ids in [from, to). */
  private static long valueSum(long from, long to) {
    return valueSumBelow(to) - valueSumBelow(from);
  }

  private static long valueSumBelow(long n) {
    long rest = n % 1000;
    return n / 1000 * 499_500 + rest * (rest - 1) / 2;
  }

  /**
   * 7. A session queries a table's latest version, 10 commits land, it queries again: the second
   * query's snapshot (protocol and metadata of the new version), by delta-ffi's snapshot cache and
   * by delta-spark's DeltaLog cache, and the bytes each read from the file system for it.
   */
  private String snapshotRefresh() throws Exception {
    int last = mode.checkpointInterval() + mode.tailCommits();
    Tables.Growing table = tables.growingLog(last, mode.checkpointInterval());
    // Both readers go through the counting scheme: delta-spark's DeltaLog of the writer's path
    // would answer from the snapshot its own commits left, without reading anything.
    String read = CountingFileSystem.uri(table.uri());
    KernelEngine engine = KernelEngines.of(spark);
    Map<String, Timings.Run> readers = new LinkedHashMap<>();
    readers.put(
        FFI,
        t -> {
          engine.snapshots().latest(engine, read, null).close();
          table.commit(REFRESH_COMMITS);
          long bytes = countedBytesRead();
          long start = System.nanoTime();
          try (KernelSnapshot snapshot = engine.snapshots().latest(engine, read, null)) {
            snapshot.schema();
            double seconds = Timings.since(start);
            t.add(FFI + " bytes", countedBytesRead() - bytes);
            return seconds;
          }
        });
    readers.put(
        DELTA,
        t -> {
          DeltaLog log = DeltaLog.forTable(spark, read);
          log.update(false, scala.Option.empty(), scala.Option.empty()).metadata();
          table.commit(REFRESH_COMMITS);
          long bytes = countedBytesRead();
          long start = System.nanoTime();
          Snapshot snapshot = log.update(false, scala.Option.empty(), scala.Option.empty());
          snapshot.protocol();
          snapshot.metadata().schema();
          double seconds = Timings.since(start);
          t.add(DELTA + " bytes", countedBytesRead() - bytes);
          return seconds;
        });
    Timings timings = Timings.alternate(mode.warmups(), mode.runs(), readers);
    System.out.println(
        "# snapshot_refresh: log of versions 0.."
            + last
            + " (checkpoint every "
            + mode.checkpointInterval()
            + "), then "
            + REFRESH_COMMITS
            + " commits of about "
            + commitBytes(table.uri())
            + " bytes each before each second query");
    return result(
        "snapshot_refresh",
        timings,
        "log_bytes_ffi=" + Math.round(timings.median(FFI + " bytes")),
        "log_bytes_delta=" + Math.round(timings.median(DELTA + " bytes")));
  }

  private static final int REFRESH_COMMITS = 10;

  /** Bytes read through the counting file system so far, by every reader and Spark task. */
  private static long countedBytesRead() {
    StorageStatistics local =
        FileSystem.getGlobalStorageStatistics().get(CountingFileSystem.SCHEME);
    Long bytes = local == null ? null : local.getLong("bytesRead");
    return bytes == null ? 0 : bytes;
  }

  /** The size of the table's latest commit file. */
  private static long commitBytes(String table) throws IOException {
    try (Stream<Path> files = Files.list(Path.of(URI.create(table)).resolve("_delta_log"))) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".json"))
          .max(Comparator.naturalOrder())
          .map(f -> f.toFile().length())
          .orElse(0L);
    }
  }

  /** Heap used after GC once delta-spark's cached snapshots are gone (unpersisted async). */
  private static long baselineHeap() throws InterruptedException {
    DeltaLog.clearCache();
    Thread.sleep(2000);
    return usedHeapAfterGc();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void expect(String what, long actual, long expected) {
    if (actual != expected) {
      throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
    }
  }

  private static String result(String scenario, Timings timings, String... extras) {
    double ffi = timings.median(FFI);
    double delta = timings.median(DELTA);
    StringBuilder line =
        new StringBuilder("RESULT ")
            .append(scenario)
            .append(" delta-ffi=")
            .append(seconds(ffi))
            .append(" delta-spark=")
            .append(seconds(delta))
            .append(" ratio=")
            .append(String.format(Locale.ROOT, "%.2f", ffi / delta));
    if (timings.has(PARQUET)) {
      double parquet = timings.median(PARQUET);
      line.append(" parquet=")
          .append(seconds(parquet))
          .append(" ratio_parquet=")
          .append(String.format(Locale.ROOT, "%.2f", ffi / parquet));
    }
    for (String extra : extras) {
      line.append(' ').append(extra);
    }
    return line.toString();
  }

  /** "reader a+b" with the medians of the reader's two parts. */
  private static String parts(Timings timings, String reader, String a, String b) {
    return reader
        + " "
        + seconds(timings.median(reader + " " + a))
        + "+"
        + seconds(timings.median(reader + " " + b));
  }

  /** Seconds to four significant digits. */
  private static String seconds(double seconds) {
    return new BigDecimal(seconds).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  private static String micros(double seconds) {
    return String.format(Locale.ROOT, "%.1f", seconds * 1e6);
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
  }
}
