package dev.deltaffi.kernel;

/**
 * What the kernel facade needs from its caller, which wires it (dev.deltaffi.spark.KernelEngines
 * from a Spark session): where query plans run, the storage all of the kernel's I/O goes through,
 * who replays the log, and the snapshots kept for later queries.
 *
 * @param inProcessMaxLogBytes the largest log (bytes of checkpoint parts and commits) whose scan
 *     the kernel replays in process; past it the scan's live files are a Spark job. Negative: the
 *     snapshots too are replayed by Spark, every replay plan a Spark job.
 */
public record KernelEngine(
    PlanRunner plans, Storage storage, long inProcessMaxLogBytes, SnapshotCache snapshots) {

  /** Whether snapshots (protocol and metadata) are replayed in process. */
  boolean snapshotsInProcess() {
    return inProcessMaxLogBytes >= 0;
  }

  /** Where snapshots replay the log, and why (for the log line of each load). */
  String snapshotPlacement() {
    return snapshotsInProcess()
        ? "in process"
        : "on Spark (every replay plan a Spark job: in-process limit " + inProcessMaxLogBytes + ")";
  }

  /** Where the scan of a log of {@code logBytes} replays it, and why. */
  String scanPlacement(long logBytes) {
    if (inProcessMaxLogBytes == Long.MAX_VALUE) {
      return "in process (no in-process log limit)";
    } else if (inProcessMaxLogBytes < 0) {
      return "on Spark (every replay plan a Spark job)";
    }
    return scanInProcess(logBytes)
        ? "in process (log of " + logBytes + " bytes <= limit " + inProcessMaxLogBytes + ")"
        : "on Spark (log of "
            + logBytes
            + " bytes > in-process limit "
            + inProcessMaxLogBytes
            + ")";
  }

  /** Whether the scan of a log of {@code logBytes} is replayed in process. */
  boolean scanInProcess(long logBytes) {
    return logBytes <= inProcessMaxLogBytes;
  }
}
