package dev.deltaffi.faults;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertCausedBy;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltaffi.kernel.FileOutsideTableException;
import dev.deltaffi.kernel.InvalidTableException;
import dev.deltaffi.kernel.MissingFileException;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void truncatedCommitIsNamed() throws IOException {
    Path table = damaged("truncated-commit");
    Path commit = log(table).resolve("00000000000000000007.json");
    String text = Files.readString(commit);
    overwrite(commit, text.substring(0, text.length() / 2));
    Throwable failure = assertFails("truncated commit", table, "00000000000000000007.json");
    assertTypedWhereTheKernelDecodes(failure);
  }

  @Test
  void garbageCommitIsNamed() throws IOException {
    Path table = damaged("garbage-commit");
    overwrite(log(table).resolve("00000000000000000007.json"), "\u0000\u0001garbage");
    Throwable failure = assertFails("garbage commit", table, "00000000000000000007.json");
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
    Path first = log(table).resolve("00000000000000000000.json");
    overwrite(
        first,
        Files.readString(first)
            .replaceFirst(
                "\"schemaString\":\"(\\\\.|[^\"\\\\])*\"", "\"schemaString\":\"{not a schema\""));
    // Versions 2 on have their metadata in a checkpoint; version 1's would come from a version
    // checksum file, left out here.
    try (Stream<Path> files = Files.list(log(table))) {
      for (Path file : files.filter(f -> f.toString().matches(".*/\\d{20}\\.crc")).toList()) {
        Files.delete(file);
      }
    }
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
  @Test
  void dataFileOutsideTheTableRoot() throws IOException {
    Path table = TestTables.copy(healthy, dir.resolve("escaping").resolve("table"), n -> false);
    Path outside = Files.createDirectories(dir.resolve("escaping").resolve("outside"));
    Path file;
    try (Stream<Path> files = Files.list(table.resolve("part=1"))) {
      file =
          files.filter(f -> f.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
    }
    Files.move(file, outside.resolve(file.getFileName()));
    String escaping = "../outside/" + file.getFileName();
    rewriteLog(table, text -> text.replace("part=1/" + file.getFileName(), escaping));
    rewriteLog(table, text -> text.replace("part%3D1/" + file.getFileName(), escaping));
    deleteCheckpoints(table);
    assertConfinedOnly("data file ../outside/", table, file.getFileName().toString(), true);
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

  /** Rewrites every commit of the log (and drops their checksum sidecars, now stale). */
  private static void rewriteLog(Path table, UnaryOperator<String> rewrite) throws IOException {
    try (Stream<Path> files = Files.list(log(table))) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".json") && !name.startsWith(".")) {
          overwrite(file, rewrite.apply(Files.readString(file)));
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
    assertSameAnswer(
        TestSpark.readOracle(healthy.toString(), OptionalLong.empty()),
        TestSpark.readUnderTest(table.toString(), OptionalLong.empty()),
        fault);
    record(fault, table, OptionalLong.empty(), "rows of the undamaged table");
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
      Dataset<Row> read = TestSpark.readOracle(table.toString(), version);
      oracle = read.count() + " rows";
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
   * log replay on the Spark placement) fails with Spark's own error, which names the file too.
   */
  private static void assertTypedWhereTheKernelDecodes(Throwable failure) {
    if (Placement.ofThisRun() != Placement.SPARK) {
      assertTyped(failure, InvalidTableException.class);
    }
  }

  private static void assertTyped(Throwable failure, Class<? extends Throwable> type) {
    if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      assertCausedBy(failure, type);
    }
  }
}
