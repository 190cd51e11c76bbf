package dev.deltaffi.faults;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertCausedBy;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltaffi.kernel.FileOutsideTableException;
import dev.deltaffi.kernel.InvalidTableException;
import dev.deltaffi.kernel.MissingFileException;
import dev.deltaffi.kernel.UnsupportedTableFeatureException;
import dev.deltaffi.kernel.VersionNotFoundException;
import dev.deltaffi.spark.KernelEngines;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged copies of tables delta-spark wrote, read by delta-ffi: where delta-spark recovers,
 * delta-ffi answers the undamaged table's rows; where no complete state is left, it fails with a
 * typed error naming the file or version. Each case prints a {@code FAULT} line with both readers'
 * outcomes (delta-spark's reading of the damaged copy, for the record).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class LogFaultsTest {

  @TempDir static Path shared;
  @TempDir Path dir;

  /** Versions 0 to 7, 10 rows each, checkpoints at 2, 4 and 6 (the hint names 6). */
  private static Path healthy;

  private static Path withDeletionVectors;

  @BeforeAll
  static void writeTables() {
    healthy = Path.of(TestTables.writeSmall(shared.resolve("healthy"), 8));
    withDeletionVectors = TestTables.writeWithDeletionVectors(shared.resolve("dvs"));
  }

  private static final String CHECKPOINT_6 = "00000000000000000006.checkpoint.parquet";

  @Test
  void truncatedCheckpoint() throws IOException {
    Path table = damaged("truncated-checkpoint");
    Path checkpoint = log(table).resolve(CHECKPOINT_6);
    byte[] bytes = Files.readAllBytes(checkpoint);
    overwrite(checkpoint, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertRecovers("truncated checkpoint", table);
  }

  @Test
  void garbageCheckpoint() throws IOException {
    Path table = damaged("garbage-checkpoint");
    Path checkpoint = log(table).resolve(CHECKPOINT_6);
    byte[] garbage = new byte[(int) Files.size(checkpoint)];
    new Random(7).nextBytes(garbage);
    overwrite(checkpoint, garbage);
    assertRecovers("overwritten checkpoint", table);
  }

  @Test
  void emptyCheckpoint() throws IOException {
    Path table = damaged("empty-checkpoint");
    overwrite(log(table).resolve(CHECKPOINT_6), new byte[0]);
    assertRecovers("empty checkpoint", table);
  }

  /** A checkpoint whose footer is intact but whose pages are not: found only by reading it. */
  @Test
  void checkpointWithCorruptPages() throws IOException {
    Path table = damaged("corrupt-pages");
    Path checkpoint = log(table).resolve(CHECKPOINT_6);
    byte[] bytes = Files.readAllBytes(checkpoint);
    byte[] garbage = new byte[bytes.length / 4];
    new Random(13).nextBytes(garbage);
    System.arraycopy(garbage, 0, bytes, bytes.length / 4, garbage.length);
    overwrite(checkpoint, bytes);
    assertRecoversInProcess("checkpoint pages overwritten", healthy, table, CHECKPOINT_6);
  }

  /** A v2 checkpoint (the corpus's, with two sidecars) whose first sidecar is gone or garbage. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"deleted", "overwritten"})
  void damagedSidecarOfAV2Checkpoint(String damage) throws IOException {
    String shared = System.getProperty("deltaffi.shared.dir");
    Assumptions.assumeTrue(
        shared != null, "no shared corpus (system property deltaffi.shared.dir)");
    Path undamaged = Path.of(shared, "corpus", "golden", "v2-checkpoint-parquet", "delta");
    Path table = TestTables.copy(undamaged, dir.resolve("sidecar-" + damage), name -> false);
    Path sidecar;
    try (Stream<Path> files = Files.list(log(table).resolve("_sidecars"))) {
      sidecar =
          files.filter(f -> f.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
    }
    if (damage.equals("deleted")) {
      Files.delete(sidecar);
    } else {
      byte[] garbage = new byte[(int) Files.size(sidecar)];
      new Random(17).nextBytes(garbage);
      overwrite(sidecar, garbage);
    }
    assertRecoversInProcess(
        "v2 checkpoint sidecar " + damage, undamaged, table, sidecar.getFileName().toString());
  }

  @Test
  void hintNamesACheckpointAheadOfTheLog() throws IOException {
    Path table = damaged("hint-ahead");
    overwrite(log(table).resolve("_last_checkpoint"), "{\"version\":50,\"size\":12}");
    assertRecovers("_last_checkpoint names version 50", table);
  }

  @Test
  void hintNamesADeletedCheckpoint() throws IOException {
    Path table = damaged("hint-deleted");
    Files.delete(log(table).resolve(CHECKPOINT_6));
    // The hint still names version 6; the checkpoint of version 4 is the newest left.
    assertRecovers("_last_checkpoint names a deleted checkpoint", table);
  }

  @Test
  void hintIsNotJson() throws IOException {
    Path table = damaged("hint-garbage");
    overwrite(log(table).resolve("_last_checkpoint"), "not json at all");
    assertRecovers("_last_checkpoint is not JSON", table);
  }

  /** The local file system checks a file against its {@code .crc} sidecar, as a race can break. */
  @Test
  void hintFailsItsChecksum() throws IOException {
    Path table = damaged("hint-checksum");
    Path log = log(table);
    Files.copy(
        log.resolve(".00000000000000000000.json.crc"),
        log.resolve("._last_checkpoint.crc"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertRecovers("_last_checkpoint fails its checksum", table);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"truncated", "garbage"})
  void damagedCommitIsNamed(String damage) throws IOException {
    Path table = damaged(damage + "-commit");
    Path commit = log(table).resolve("00000000000000000007.json");
    String text = Files.readString(commit);
    overwrite(
        commit,
        damage.equals("truncated") ? text.substring(0, text.length() / 2) : "\u0000\u0001garbage");
    Throwable failure = assertFails(damage + " commit", table, "00000000000000000007.json");
    assertTypedWhereTheKernelDecodes(failure);
  }

  /** Without checkpoints and without its first commits, no complete state is left. */
  @Test
  void logWithoutItsBeginning() throws IOException {
    Path table = damaged("no-beginning");
    try (Stream<Path> files = Files.list(log(table))) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.contains("checkpoint")
            || name.startsWith("00000000000000000000.")
            || name.startsWith(".00000000000000000000.")) {
          Files.delete(file);
        }
      }
    }
    Throwable failure = assertFails("commit 0 and every checkpoint deleted", table, "version 1");
    assertTyped(failure, InvalidTableException.class);
  }

  @Test
  void missingCommitBetweenCheckpointAndLatest() throws IOException {
    Path table = damaged("gap");
    Files.delete(log(table).resolve("00000000000000000005.json"));
    Files.delete(log(table).resolve(CHECKPOINT_6));
    assertFails("commit 5 and checkpoint 6 deleted", table, "5");
  }

  @Test
  void missingDataFileIsNamed() throws IOException {
    Path table = damaged("no-data-file");
    Path file = firstDataFile(table);
    Files.delete(file);
    assertFails("data file deleted", table, file.getFileName().toString());
  }

  /** A reader feature nobody knows: refused before any data is read, naming the feature. */
  @Test
  void unknownReaderFeatureIsRefused() throws IOException {
    Path table = damaged("unknown-feature");
    rewriteLog(
        table,
        text ->
            text.replaceFirst(
                "\\{\"protocol\":\\{[^}]*\\}\\}",
                "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
                    + "\"readerFeatures\":[\"futureFeature\"],"
                    + "\"writerFeatures\":[\"futureFeature\"]}}"));
    deleteCheckpoints(table);
    Throwable failure = assertFails("unknown reader feature", table, "futureFeature");
    assertTyped(failure, UnsupportedTableFeatureException.class);
  }

  /** Time travel to the largest version there is: the error says which versions exist. */
  @Test
  void hugeVersionAsOfSaysTheLatest() {
    Throwable failure =
        assertFailsNaming(
            () ->
                TestSpark.readUnderTest(healthy.toString(), OptionalLong.of(Long.MAX_VALUE))
                    .collectAsList(),
            String.valueOf(Long.MAX_VALUE),
            "7");
    assertTyped(failure, VersionNotFoundException.class);
    record(
        "versionAsOf Long.MAX_VALUE", healthy, OptionalLong.of(Long.MAX_VALUE), oneLine(failure));
  }

  /** A commit of the largest version after version 7: the versions between are missing. */
  @Test
  void commitOfAHugeVersionLeavesAGap() throws IOException {
    Path table = damaged("huge-version");
    Files.copy(
        log(table).resolve("00000000000000000007.json"),
        log(table).resolve(String.format("%020d.json", Long.MAX_VALUE)));
    assertFails("a commit of version 2^63-1 after 7", table, "8");
  }

  @Test
  void missingDeletionVectorFileIsNamed() throws IOException {
    Path table = TestTables.copy(withDeletionVectors, dir.resolve("no-dv"), name -> false);
    Path vector = only(table, "deletion_vector_");
    Files.delete(vector);
    Throwable failure =
        assertFails("deletion vector deleted", table, vector.getFileName().toString());
    assertTyped(failure, MissingFileException.class);
  }

  @Test
  void corruptDeletionVectorIsNamed() throws IOException {
    Path table = TestTables.copy(withDeletionVectors, dir.resolve("bad-dv"), name -> false);
    Path vector = only(table, "deletion_vector_");
    byte[] garbage = new byte[(int) Files.size(vector)];
    new Random(11).nextBytes(garbage);
    overwrite(vector, garbage);
    assertFails("deletion vector overwritten", table, vector.getFileName().toString());
  }

  @Test
  void partitionValueOfTheWrongType() throws IOException {
    Path table = damaged("bad-partition-value");
    rewriteLog(
        table,
        text ->
            text.replaceFirst(
                "\"partitionValues\":\\{\"part\":\"1\"\\}",
                "\"partitionValues\":{\"part\":\"one\"}"));
    deleteCheckpoints(table);
    assertFails("partition value 'one' of an INT column", table, "one");
  }

  @Test
  void emptyLogIsNotADeltaTable() throws IOException {
    Path table =
        Files.createDirectories(dir.resolve("empty-log").resolve("_delta_log")).getParent();
    assertFails("empty _delta_log", table, "not a Delta table");
  }

  @Test
  void invalidSchemaStringIsSaid() throws IOException {
    Path table = damaged("bad-metadata");
    // Only commit 0 has metaData; versions 2 on take theirs from a checkpoint.
    rewriteLog(
        table,
        text ->
            text.replaceFirst(
                "\"schemaString\":\"(\\\\.|[^\"\\\\])*\"", "\"schemaString\":\"{not a schema\""));
    Throwable failure =
        assertFailsNaming(
            () -> TestSpark.readUnderTest(table.toString(), OptionalLong.of(1)).collectAsList(),
            "00000000000000000000.json",
            "schemaString");
    assertTyped(failure, InvalidTableException.class);
    record("schemaString not JSON (version 1)", table, OptionalLong.of(1), oneLine(failure));
  }

  /**
   * Paths that leave the table root are read, as delta-spark reads them (the protocol allows
   * absolute paths); with {@code spark.deltaffi.confineToTableRoot} they are refused by name.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"../outside/", "%2E%2E/outside/", "part=1/../../outside/", "absolute"})
  void dataFileOutsideTheTableRoot(String escape) throws IOException {
    Path root = dir.resolve("escaping");
    Path table = TestTables.copy(healthy, root.resolve("table"), n -> false);
    Path outside = Files.createDirectories(root.resolve("outside"));
    Path file = firstDataFile(table);
    Path moved = outside.resolve(file.getFileName());
    Files.move(file, moved);
    String escaping =
        escape.equals("absolute") ? moved.toUri().toString() : escape + file.getFileName();
    rewriteLog(table, text -> text.replace("part=1/" + file.getFileName(), escaping));
    rewriteLog(table, text -> text.replace("part%3D1/" + file.getFileName(), escaping));
    deleteCheckpoints(table);
    assertConfinedOnly("data file " + escape, table, file.getFileName().toString(), true);
  }

  @Test
  void deletionVectorOutsideTheTableRoot() throws IOException {
    Path table =
        TestTables.copy(withDeletionVectors, dir.resolve("dv-out").resolve("t"), n -> false);
    Path outside = Files.createDirectories(dir.resolve("dv-out").resolve("outside"));
    Path vector = only(table, "deletion_vector_");
    Path moved = outside.resolve(vector.getFileName());
    Files.move(vector, moved);
    // The descriptor becomes an absolute path ("p") to the moved file.
    rewriteLog(
        table,
        text ->
            text.replaceAll(
                "\"storageType\":\"u\",\"pathOrInlineDv\":\"[^\"]*\"",
                "\"storageType\":\"p\",\"pathOrInlineDv\":\"" + moved.toUri() + "\""));
    deleteCheckpoints(table);
    // Decoded on an executor: Spark reports the task's failure by its message alone.
    assertConfinedOnly("absolute deletion vector", table, moved.getFileName().toString(), false);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Overwrites a log file as a torn or hostile write would leave it on an object store: without the
   * local file system's checksum sidecar, which would otherwise report the damage first.
   */
  private static void overwrite(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  private static void overwrite(Path file, String text) throws IOException {
    overwrite(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private Path damaged(String name) throws IOException {
    return TestTables.copy(healthy, dir.resolve(name), n -> false);
  }

  private static Path log(Path table) {
    return table.resolve("_delta_log");
  }

  /** The first data file of partition 1 (by name). */
  private static Path firstDataFile(Path table) throws IOException {
    try (Stream<Path> files = Files.list(table.resolve("part=1"))) {
      return files
          .filter(f -> f.toString().endsWith(".parquet"))
          .sorted()
          .findFirst()
          .orElseThrow();
    }
  }

  /** The one file under {@code root} whose name contains {@code marker}. */
  private static Path only(Path root, String marker) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> found =
          files
              .filter(f -> f.getFileName().toString().contains(marker))
              .filter(f -> !f.getFileName().toString().endsWith(".crc"))
              .toList();
      assertEquals(1, found.size(), "files named *" + marker + "* in " + root + ": " + found);
      return found.get(0);
    }
  }

  /**
   * Rewrites every commit of the log, and drops what the rewrite makes stale: their checksum
   * sidecars and the version checksum files ({@code N.crc}, which repeat the protocol and
   * metadata).
   */
  private static void rewriteLog(Path table, UnaryOperator<String> rewrite) throws IOException {
    try (Stream<Path> files = Files.list(log(table))) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".json") && !name.startsWith(".")) {
          overwrite(file, rewrite.apply(Files.readString(file)));
        } else if (name.matches("\\d{20}\\.crc")) {
          Files.delete(file);
        }
      }
    }
  }

  private static void deleteCheckpoints(Path table) throws IOException {
    try (Stream<Path> files = Files.list(log(table))) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.contains("checkpoint")) {
          Files.delete(file);
        }
      }
    }
  }

  /** delta-ffi reads the damaged copy as delta-spark reads the undamaged table. */
  private void assertRecovers(String fault, Path table) {
    assertRecoversAs(fault, healthy, table);
  }

  private void assertRecoversAs(String fault, Path undamaged, Path table) {
    assertSameAnswer(
        TestSpark.readOracle(undamaged.toString(), OptionalLong.empty()),
        TestSpark.readUnderTest(table.toString(), OptionalLong.empty()),
        fault);
    record(fault, table, OptionalLong.empty(), "rows of the undamaged table");
  }

  /**
   * A checkpoint found unreadable only by reading it: where the kernel reads it in process, the
   * read is tried again without it and answers the undamaged table's rows; where a Spark job reads
   * it (the scan's log replay on Spark), the read fails naming the file.
   */
  private void assertRecoversInProcess(String fault, Path undamaged, Path table, String file) {
    if (Placement.ofThisRun() == Placement.IN_PROCESS) {
      assertRecoversAs(fault, undamaged, table);
    } else {
      try {
        assertRecoversAs(fault, undamaged, table);
      } catch (Throwable notRecovered) { // AnalysisException is checked, thrown undeclared
        assertFails(fault, table, file);
      }
    }
  }

  /** delta-ffi fails on the damaged copy, naming each of {@code named}. */
  private Throwable assertFails(String fault, Path table, String... named) {
    Throwable failure =
        assertFailsNaming(
            () -> TestSpark.readUnderTest(table.toString(), OptionalLong.empty()).collectAsList(),
            named);
    record(fault, table, OptionalLong.empty(), oneLine(failure));
    return failure;
  }

  /** Read as delta-spark reads it by default; refused by name when confined. */
  private void assertConfinedOnly(String fault, Path table, String named, boolean onTheDriver) {
    assertSameAnswer(
        TestSpark.readOracle(table.toString(), OptionalLong.empty()),
        TestSpark.readUnderTest(table.toString(), OptionalLong.empty()),
        fault + ", not confined");
    SparkSession spark = TestSpark.session();
    spark.conf().set(KernelEngines.CONFINE_TO_TABLE_ROOT_CONF, "true");
    try {
      Throwable failure =
          assertFailsNaming(
              () -> TestSpark.readUnderTest(table.toString(), OptionalLong.empty()).collectAsList(),
              named,
              "outside the table root");
      if (onTheDriver) {
        assertTyped(failure, FileOutsideTableException.class);
      }
      record(fault + ", confined", table, OptionalLong.empty(), oneLine(failure));
    } finally {
      spark.conf().unset(KernelEngines.CONFINE_TO_TABLE_ROOT_CONF);
    }
  }

  /** Prints both readers' outcomes on the damaged table, for the suite's table in the notes. */
  private static void record(String fault, Path table, OptionalLong version, String underTest) {
    String oracle;
    try {
      // Rows collected: delta-spark answers count() from the log's statistics, reading no file.
      Dataset<Row> read = TestSpark.readOracle(table.toString(), version);
      oracle = read.collectAsList().size() + " rows";
    } catch (Exception e) {
      oracle = "fails: " + oneLine(e);
    }
    System.out.println(
        "FAULT | " + fault + " | delta-ffi: " + underTest + " | delta-spark: " + oracle);
  }

  private static String oneLine(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(root.getMessage()).replaceAll("\\s+", " ");
    return root.getClass().getSimpleName()
        + ": "
        + (message.length() > 160 ? message.substring(0, 160) + "..." : message);
  }

  /**
   * A commit decoded by the kernel fails as an invalid table; one a Spark job decodes (the scan's
   * log replay on Spark, where the snapshot took its protocol and metadata from the version's
   * checksum file) fails with Spark's own error, which names the file too.
   */
  private static void assertTypedWhereTheKernelDecodes(Throwable failure) {
    if (Placement.ofThisRun() == Placement.IN_PROCESS) {
      assertTyped(failure, InvalidTableException.class);
    }
  }

  private static void assertTyped(Throwable failure, Class<? extends Throwable> type) {
    if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      assertCausedBy(failure, type);
    }
  }
}
