package dev.deltaffi.testing;

import dev.deltaffi.spark.KernelEngines;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Where delta-ffi runs the kernel's log replay, as session settings: every suite runs under each
 * (the corpus in one JVM, the differential suites in one surefire execution per placement, chosen
 * by the system property {@code deltaffi.placement}).
 */
public enum Placement {
  /** Snapshots and scans replayed in process. */
  IN_PROCESS(Map.of(KernelEngines.LOG_REPLAY_CONF, KernelEngines.IN_PROCESS)),
  /** Every replay plan a Spark job, the scan's live files one distributed job. */
  SPARK(Map.of(KernelEngines.LOG_REPLAY_CONF, KernelEngines.SPARK)),
  /** The default rule with a log too big for in process: snapshot in process, scan on Spark. */
  MIXED(
      Map.of(
          KernelEngines.LOG_REPLAY_CONF,
          KernelEngines.AUTO,
          KernelEngines.IN_PROCESS_MAX_LOG_BYTES_CONF,
          "0"));

  private final Map<String, String> settings;

  Placement(Map<String, String> settings) {
    this.settings = settings;
  }

  /** The placement the system property {@code deltaffi.placement} names, by default IN_PROCESS. */
  public static Placement ofThisRun() {
    return valueOf(
        System.getProperty("deltaffi.placement", "in_process")
            .toUpperCase(Locale.ROOT)
            .replace('-', '_'));
  }

  /**
   * What EXPLAIN says of the files the kernel kept: "kept of seen (pruned n)" from the kernel's
   * scan metrics where the log was replayed in process, else the kept count alone (a Spark job
   * found the files). {@code seen} counts the log's {@code add} actions, {@code pruned} those the
   * predicate pruned.
   */
  public static String filesSelected(int kept, int seen, int pruned) {
    return "files selected by kernel: "
        + kept
        + (ofThisRun() == IN_PROCESS
            ? " of " + seen + " seen (pruned " + pruned + ")"
            : " kernelPredicate=");
  }

  /** {@link #filesSelected(int, int, int)} of an append-only table: every unkept add pruned. */
  public static String filesSelected(int kept, int total) {
    return filesSelected(kept, total, total - kept);
  }

  public void applyTo(SparkSession spark) {
    settings.forEach(spark.conf()::set);
  }

  /** Runs {@code body} under this placement, then puts this run's placement back. */
  public <E extends Exception> void during(SparkSession spark, Body<E> body) throws E {
    applyTo(spark);
    try {
      body.run();
    } finally {
      settings.keySet().forEach(spark.conf()::unset);
      ofThisRun().applyTo(spark);
    }
  }

  /** A check that may throw. */
  public interface Body<E extends Exception> {
    void run() throws E;
  }
}
