package dev.deltaffi.spark;

import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.SnapshotCache;
import dev.deltaffi.plan.PlanTranslator;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Wires the kernel facade from a Spark session: plans run as DataFrames of this session, I/O goes
 * through its Hadoop FileSystem configuration, and the session's settings choose who replays the
 * log (the one placement decision).
 */
public final class KernelEngines {
  /**
   * Session setting: where the kernel replays the log. {@code auto} (the default): a snapshot's
   * protocol and metadata in process (it reads only those columns of a checkpoint, so this stays
   * small for any table), and a scan's live files in process when the log is at most {@link
   * #IN_PROCESS_MAX_LOG_BYTES_CONF}, else as a Spark job. {@code in-process} or {@code spark}:
   * always that way; with {@code spark} every replay plan is a Spark job. The kernel's I/O goes
   * through Hadoop FileSystem in process either way.
   */
  public static final String LOG_REPLAY_CONF = "spark.deltaffi.logReplay";

  /** Session setting: the largest log (bytes of checkpoint and commits) scanned in process. */
  public static final String IN_PROCESS_MAX_LOG_BYTES_CONF = "spark.deltaffi.inProcessMaxLogBytes";

  /**
   * Session setting: refuse any data file or deletion vector whose path, decoded and normalised,
   * lies outside the table root. Off by default, as delta-spark (the protocol allows absolute
   * paths, e.g. in shallow clones); on for reading logs written by others.
   */
  public static final String CONFINE_TO_TABLE_ROOT_CONF = "spark.deltaffi.confineToTableRoot";

  /**
   * Session setting: how many snapshots are kept for later queries (the latest of each table read,
   * and versions read by time travel); 0 keeps none. See {@link SnapshotCache}.
   */
  public static final String SNAPSHOT_CACHE_SIZE_CONF = "spark.deltaffi.snapshotCacheSize";

  private static final int DEFAULT_SNAPSHOT_CACHE_SIZE = 32;

  /**
   * The snapshots kept for the sessions of this JVM. One cache, not one per session: Spark clones
   * sessions (each stream runs in its own), and a snapshot is the same data whoever reads it; a
   * kept one is checked through the querying session's storage before it is used.
   */
  private static final SnapshotCache SNAPSHOTS = new SnapshotCache(DEFAULT_SNAPSHOT_CACHE_SIZE);

  public static final String AUTO = "auto";
  public static final String IN_PROCESS = "in-process";
  public static final String SPARK = "spark";

  private static final long DEFAULT_IN_PROCESS_MAX_LOG_BYTES = 64L << 20;

  private KernelEngines() {}

  /**
   * Whether {@code spark} confines reads to the table root ({@link #CONFINE_TO_TABLE_ROOT_CONF}).
   */
  public static boolean confinesToTableRoot(SparkSession spark) {
    return Boolean.parseBoolean(spark.conf().get(CONFINE_TO_TABLE_ROOT_CONF, "false"));
  }

  /** The kernel engine of {@code spark}, by its settings now. */
  public static KernelEngine of(SparkSession spark) {
    String replay = spark.conf().get(LOG_REPLAY_CONF, AUTO);
    long maxLogBytes =
        switch (replay) {
          case IN_PROCESS -> Long.MAX_VALUE;
          case SPARK -> -1;
          case AUTO ->
              Math.max(
                  0,
                  Long.parseLong(
                      spark
                          .conf()
                          .get(
                              IN_PROCESS_MAX_LOG_BYTES_CONF,
                              Long.toString(DEFAULT_IN_PROCESS_MAX_LOG_BYTES))));
          default ->
              throw new IllegalArgumentException(
                  LOG_REPLAY_CONF
                      + " must be one of "
                      + List.of(AUTO, IN_PROCESS, SPARK)
                      + ", not "
                      + replay);
        };
    return new KernelEngine(
        new PlanTranslator(spark),
        new HadoopIo(
            ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().newHadoopConf()),
        maxLogBytes,
        snapshotCache(spark));
  }

  /** The JVM's snapshot cache, resized to the session's setting now. */
  private static SnapshotCache snapshotCache(SparkSession spark) {
    SNAPSHOTS.resize(
        Integer.parseInt(
            spark
                .conf()
                .get(SNAPSHOT_CACHE_SIZE_CONF, Integer.toString(DEFAULT_SNAPSHOT_CACHE_SIZE))));
    return SNAPSHOTS;
  }
}
