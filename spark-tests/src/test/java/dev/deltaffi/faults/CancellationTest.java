package dev.deltaffi.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.NativeHandles;
import dev.deltaffi.kernel.ReadCancelledException;
import dev.deltaffi.kernel.SnapshotCache;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read cancelled while it plans stops at the next phase or log read, with a {@link
 * ReadCancelledException}, and leaves no native handle or kernel thread behind; the session then
 * reads as before. Planning reads a long log through {@link SlowLogFileSystem}, whose first log
 * open cancels: by interrupting the planning thread (every placement), or by cancelling the job
 * group (where planning runs Spark jobs).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class CancellationTest {

  /** Commits after version 0: each a log file planning must read. */
  private static final int COMMITS = 200;

  @TempDir static Path dir;

  private static String table;
  private static long rows;

  @BeforeAll
  static void writeLongLog() throws IOException {
    Assumptions.assumeTrue(TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"));
    Path location = dir.resolve("long-log");
    TestTables.writeSmall(location, 1);
    // Commits of a commitInfo alone (as an empty commit writes): a long log without 200 slow
    // writes. Version 0 holds the protocol and metadata, so replay reads every commit.
    for (int version = 1; version <= COMMITS; version++) {
      Files.writeString(
          location.resolve("_delta_log").resolve(String.format("%020d.json", version)),
          "{\"commitInfo\":{\"timestamp\":"
              + (1_700_000_000_000L + version)
              + ",\"operation\":\"MANUAL UPDATE\",\"operationParameters\":{},"
              + "\"isBlindAppend\":true}}\n",
          StandardCharsets.UTF_8);
    }
    table = location.toString();
    rows = TestSpark.readOracle(table, OptionalLong.empty()).count();
  }

  @AfterEach
  void disarm() {
    SlowLogFileSystem.disarm();
    Thread.interrupted();
    TestSpark.session().sparkContext().clearJobGroup();
  }

  @Test
  void interruptingThePlanningThreadStopsTheRead() {
    Thread planner = Thread.currentThread();
    cancelledRead(
        "interrupted", () -> SlowLogFileSystem.armOnce(planner::interrupt), /* readsStop= */ true);
  }

  /**
   * On Spark the cancelled planning job stops reading the log. With the snapshot replayed in
   * process (MIXED) nothing watches the job group until the scan's job, which Spark refuses: the
   * read still ends cancelled, after the whole log was read.
   */
  @Test
  void cancellingTheJobGroupStopsPlanningOnSpark() {
    Assumptions.assumeTrue(
        Placement.ofThisRun() != Placement.IN_PROCESS, "in process, planning runs no Spark job");
    SparkContext context = TestSpark.session().sparkContext();
    String group = "cancelled-read-" + UUID.randomUUID();
    cancelledRead(
        "job group cancelled",
        () -> {
          context.setJobGroup(group, "a delta-ffi read cancelled while it plans", false);
          SlowLogFileSystem.armOnce(() -> context.cancelJobGroupAndFutureJobs(group));
        },
        Placement.ofThisRun() == Placement.SPARK);
  }

  /**
   * Reads the long log with cancellation armed by {@code arm}, and checks how it stopped; with
   * {@code readsStop}, that it read no more than half the log after the cancellation.
   */
  private static void cancelledRead(String how, Runnable arm, boolean readsStop) {
    TestSpark.readUnderTest(table, OptionalLong.empty()).count(); // warm: threads exist
    int threadsBefore = NativeHandleLeakCheck.kernelThreads();
    arm.run();
    long start = System.nanoTime();
    Throwable thrown =
        assertThrows(
            Throwable.class,
            () ->
                TestSpark.readUnderTest(SlowLogFileSystem.uri(table), OptionalLong.empty())
                    .count());
    long millis = (System.nanoTime() - start) / 1_000_000;
    int opensAfter = SlowLogFileSystem.opensAfterAction();
    assertTrue(
        causes(thrown).anyMatch(ReadCancelledException.class::isInstance),
        () -> "not a ReadCancelledException: " + thrown);
    assertTrue(opensAfter >= 0, "the cancellation never ran: planning read no log file");
    assertTrue(
        !readsStop || opensAfter < COMMITS / 2,
        "planning went on for " + opensAfter + " of " + COMMITS + " log files once cancelled");
    assertEquals(
        SnapshotCache.keptInJvm(),
        NativeHandles.liveCount(),
        "live native handles after the cancelled read");
    System.out.println(
        "CANCEL | "
            + Placement.ofThisRun()
            + " | "
            + how
            + " | stopped after "
            + millis
            + " ms, "
            + opensAfter
            + " of "
            + COMMITS
            + " log files opened after the cancellation");
    Thread.interrupted();
    TestSpark.session().sparkContext().clearJobGroup();
    assertEquals(rows, TestSpark.readUnderTest(table, OptionalLong.empty()).count());
    int threadsAfter = NativeHandleLeakCheck.kernelThreads();
    assertTrue(
        threadsAfter <= threadsBefore,
        "kernel-owned threads grew from " + threadsBefore + " to " + threadsAfter);
  }

  private static Stream<Throwable> causes(Throwable e) {
    return Stream.iterate(e, t -> t != null, Throwable::getCause);
  }
}
