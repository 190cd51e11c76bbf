package dev.deltaffi.io;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.NativeHandles;
import dev.deltaffi.kernel.SnapshotCache;
import dev.deltaffi.spark.KernelEngines;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session's snapshot cache: a later query of the latest version reads only the commits after
 * the kept snapshot, and what it answers is delta-spark's answer after new commits, a new
 * checkpoint, a log cleanup, a rewritten commit and a table written again at the same path.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class SnapshotCacheTest {

  @TempDir Path dir;

  @AfterEach
  void defaultSize() {
    TestSpark.session().conf().unset(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF);
  }

  @Test
  void aLaterLoadReadsOnlyTheLogAfterTheKeptSnapshot() {
    String table = TestTables.writeSmall(dir.resolve("t"), 3);
    String counted = CountingFileSystem.SCHEME + "://" + table;
    KernelEngine engine = KernelEngines.of(TestSpark.session());
    try (KernelSnapshot first = engine.snapshots().latest(engine, counted, null)) {
      assertEquals(2, first.version());
    }
    for (int commit = 0; commit < 10; commit++) {
      TestTables.append(table, 1_000 + commit * 10L, 10);
    }
    CountingFileSystem.reset();
    try (KernelSnapshot second = engine.snapshots().latest(engine, counted, null)) {
      assertEquals(12, second.version());
    }
    Set<Long> versionsRead = logVersionsOpened();
    assertTrue(
        !versionsRead.isEmpty() && versionsRead.stream().allMatch(v -> v > 2),
        "the second load read the log of versions " + versionsRead + ", not only those after 2");
    assertSameLatest(table, counted);
  }

  @Test
  void answersAsDeltaSparkAfterCheckpointsCleanupsRewritesAndRecreation() throws IOException {
    String table = TestTables.writeSmall(dir.resolve("t"), 3);
    assertSameLatest(table, table);
    // New commits and a checkpoint (every second version).
    TestTables.append(table, 500, 5);
    TestTables.append(table, 600, 5);
    assertSameLatest(table, table);
    // The commits before the newest checkpoint cleaned up.
    Path log = Path.of(table, "_delta_log");
    try (Stream<Path> files = Files.list(log)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.matches("0000000000000000000[0-3]\\.(json|checkpoint\\.parquet)")) {
          Files.delete(file);
        }
      }
    }
    assertSameLatest(table, table);
    // The table written again at the same path, with fewer versions.
    deleteRecursively(Path.of(table));
    TestTables.writeSmall(Path.of(table), 2);
    assertSameLatest(table, table);
    assertSameAnswer(
        TestSpark.readOracle(table, OptionalLong.of(1)),
        TestSpark.readUnderTest(table, OptionalLong.of(1)),
        "version 1 of the table written again");
  }

  @Test
  void keepsAtMostItsSizeAndNothingWhenZero() {
    SparkSession spark = TestSpark.session();
    List<String> tables =
        List.of(
            TestTables.writeSmall(dir.resolve("a"), 1),
            TestTables.writeSmall(dir.resolve("b"), 1),
            TestTables.writeSmall(dir.resolve("c"), 1));
    spark.conf().set(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF, "2");
    tables.forEach(t -> spark.read().format("delta-ffi").load(t).collect());
    SnapshotCache cache = KernelEngines.of(spark).snapshots();
    assertEquals(2, cache.size(), "snapshots kept by a cache of size 2 after reading 3 tables");
    assertEquals(cache.size(), SnapshotCache.keptInJvm());
    assertEquals(SnapshotCache.keptInJvm(), NativeHandles.liveCount(), "handles beside the kept");
    spark.conf().set(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF, "0");
    tables.forEach(t -> spark.read().format("delta-ffi").load(t).collect());
    assertEquals(0, KernelEngines.of(spark).snapshots().size(), "a cache of size 0 keeps none");
    assertEquals(0, NativeHandles.liveCount(), "handles left once nothing is kept");
  }

  private static void assertSameLatest(String table, String read) {
    assertSameAnswer(
        TestSpark.readOracle(table, OptionalLong.empty()),
        TestSpark.readUnderTest(read, OptionalLong.empty()),
        "latest version of " + read);
  }

  /** The versions of the commit and checkpoint files opened since the last reset. */
  private static Set<Long> logVersionsOpened() {
    Set<Long> versions = new TreeSet<>();
    for (CountingFileSystem.Call call : CountingFileSystem.calls()) {
      String name = call.path().getName();
      if (call.method().equals("open") && name.matches("\\d{20}\\..*")) {
        versions.add(Long.parseLong(name.substring(0, 20)));
      }
    }
    return versions;
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
