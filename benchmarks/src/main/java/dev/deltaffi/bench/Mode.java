package dev.deltaffi.bench;

/**
 * Table sizes and repetitions of a benchmark run. {@code full} has the sizes of issue 4; {@code
 * quick} and {@code smoke} scale some of them down (see README, "Benchmarks").
 *
 * @param checkpoints cold snapshot: checkpoints in the log, one every {@code checkpointInterval}
 *     commits, then {@code tailCommits} commits after the last one
 * @param planningFiles scan planning: live files, in a multi-part checkpoint and {@code
 *     planningTailCommits} commits after it
 * @param planningTailCommits scan planning: commits after the checkpoint, one file each
 * @param scanRows full scan: rows, in {@code scanFiles} files
 * @param selectiveRows selective query: rows, in {@code selectiveFiles} files of disjoint key
 *     ranges
 * @param bridgeCommits bridge: commits of the small table (no checkpoint)
 * @param bridgeRuns bridge: measured snapshot loads per variant
 * @param changeFeedCommits change feed: commits read (each an insert, update or delete)
 * @param objectStore whether to run the object store scenario (a loopback S3 server; not in smoke,
 *     which must stay short in CI, where S3RequestCountTest reads S3 instead)
 */
record Mode(
    String name,
    int warmups,
    int runs,
    int checkpoints,
    int checkpointInterval,
    int tailCommits,
    int planningFiles,
    int planningTailCommits,
    long scanRows,
    int scanFiles,
    long selectiveRows,
    int selectiveFiles,
    int bridgeCommits,
    int bridgeRuns,
    int changeFeedCommits,
    boolean objectStore) {

  static Mode named(String name) {
    return switch (name) {
      case "smoke" ->
          new Mode(name, 0, 2, 1, 10, 5, 200, 5, 100_000, 10, 50_000, 100, 20, 10, 10, false);
      case "quick" ->
          new Mode(
              name,
              1,
              5,
              3,
              100,
              50,
              100_000,
              1_000,
              10_000_000,
              100,
              1_000_000,
              1000,
              100,
              50,
              100,
              true);
      case "full" ->
          new Mode(
              name,
              2,
              7,
              10,
              100,
              50,
              1_000_000,
              10_000,
              10_000_000,
              100,
              10_000_000,
              1000,
              200,
              300,
              100,
              true);
      default -> throw new IllegalArgumentException("unknown mode " + name + " (smoke|quick|full)");
    };
  }
}
