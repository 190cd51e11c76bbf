package dev.deltaffi.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.NativeHandles;
import dev.deltaffi.kernel.SnapshotCache;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session that reads for a long time: native handles and kernel threads do not accumulate, and
 * readers beside a writer that checkpoints every other commit each see one committed version and
 * never fail.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class LongRunningTest {

  private static final int READS = 200;

  @TempDir Path dir;

  @BeforeEach
  void onlyForDeltaFfi() {
    Assumptions.assumeTrue(TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"));
  }

  @Test
  void hundredsOfReadsLeaveNoHandleOrThread() {
    String table = TestTables.writeWithDeletionVectors(dir.resolve("dvs")).toString();
    long expected = TestSpark.readOracle(table, OptionalLong.empty()).count();
    for (int warmUp = 0; warmUp < 10; warmUp++) {
      TestSpark.readUnderTest(table, OptionalLong.empty()).count();
    }
    int threadsBefore = NativeHandleLeakCheck.kernelThreads();
    for (int read = 0; read < READS; read++) {
      assertEquals(expected, TestSpark.readUnderTest(table, OptionalLong.empty()).count());
    }
    assertEquals(
        SnapshotCache.keptInJvm(),
        NativeHandles.liveCount(),
        "live native handles after " + READS + " reads");
    int threadsAfter = NativeHandleLeakCheck.kernelThreads();
    System.out.println(
        "SOAK | "
            + READS
            + " reads | kernel threads before "
            + threadsBefore
            + ", after "
            + threadsAfter);
    assertTrue(threadsBefore > 0, "no kernel thread found by name");
    assertTrue(
        threadsAfter <= threadsBefore + 2,
        "kernel-owned threads grew from " + threadsBefore + " to " + threadsAfter);
  }

  @Test
  void readersBesideACheckpointingWriterSeeCommittedVersions() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("busy"), 2);
    int commits = 12;
    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Long> counts = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int reader = 0; reader < 3; reader++) {
        readers.add(
            pool.submit(
                () -> {
                  while (writing.get()) {
                    counts.add(TestSpark.readUnderTest(table, OptionalLong.empty()).count());
                  }
                  return null;
                }));
      }
      Future<?> writer =
          pool.submit(
              () -> {
                try {
                  for (int commit = 0; commit < commits; commit++) {
                    TestTables.append(table, 20 + commit * 10L, 10);
                  }
                } finally {
                  writing.set(false);
                }
                return null;
              });
      writer.get(10, TimeUnit.MINUTES);
      for (Future<?> reader : readers) {
        reader.get(1, TimeUnit.MINUTES); // a failed read fails the test here
      }
    } finally {
      pool.shutdownNow();
    }
    long finalCount = 20 + commits * 10L;
    System.out.println("CONCURRENT | 3 readers, " + commits + " commits | reads " + counts.size());
    assertTrue(counts.size() >= commits, "reads: " + counts.size());
    for (long count : counts) {
      assertTrue(
          count % 10 == 0 && count >= 20 && count <= finalCount,
          "a read saw " + count + " rows, not a committed version's");
    }
    assertEquals(finalCount, TestSpark.readUnderTest(table, OptionalLong.empty()).count());
  }
}
