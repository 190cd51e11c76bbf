package dev.deltaffi.kernel;

/**
 * What the kernel facade needs from its caller, which wires it (dev.deltaffi.spark.KernelEngines
 * from a Spark session): where query plans run, the storage all of the kernel's I/O goes through,
 * and who replays the log.
 *
 * @param inProcessMaxLogBytes the largest log (bytes of checkpoint parts and commits) whose scan
 *     the kernel replays in process; past it the scan's live files are a Spark job. Negative: the
 *     snapshots too are replayed by Spark, every replay plan a Spark job.
 */
public record KernelEngine(PlanRunner plans, Storage storage, long inProcessMaxLogBytes) {

  /** Whether snapshots (protocol and metadata) are replayed in process. */
  boolean snapshotsInProcess() {
    return inProcessMaxLogBytes >= 0;
  }

  /** Whether the scan of a log of {@code logBytes} is replayed in process. */
  boolean scanInProcess(long logBytes) {
    return logBytes <= inProcessMaxLogBytes;
  }
}
