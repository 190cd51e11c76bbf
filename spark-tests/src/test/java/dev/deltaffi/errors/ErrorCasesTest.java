package dev.deltaffi.errors;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertCausedBy;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static dev.deltaffi.testing.ErrorAssert.messageChain;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.DeltaKernelException;
import dev.deltaffi.kernel.TableNotFoundException;
import dev.deltaffi.kernel.UnsupportedTableFeatureException;
import dev.deltaffi.kernel.VersionNotFoundException;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads that must fail, each with an error naming what is wrong; after each, a normal read still
 * works (no poisoned native state, no leaked handle).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class ErrorCasesTest {

  @TempDir static Path shared;
  @TempDir Path dir;

  private static String healthy;

  @BeforeAll
  static void writeHealthyTable() {
    healthy = TestTables.writeSmall(shared.resolve("healthy"), 2);
  }

  @AfterEach
  void normalReadStillWorks() {
    assertSameAnswer(
        TestSpark.readOracle(healthy, OptionalLong.empty()),
        TestSpark.readUnderTest(healthy, OptionalLong.empty()),
        "a normal read after the failure");
  }

  @Test
  void missingTablePath() {
    String missing = dir.resolve("no-such-table").toString();
    Throwable failure =
        assertFailsNaming(
            () -> TestSpark.readUnderTest(missing, OptionalLong.empty()).collectAsList(),
            "no-such-table");
    assertTypedAs(failure, TableNotFoundException.class);
  }

  @Test
  void versionPastTheLatest() {
    String table = TestTables.writeSmall(dir.resolve("three-versions"), 3);
    Throwable failure =
        assertFailsNaming(
            () -> TestSpark.readUnderTest(table, OptionalLong.of(42)).collectAsList(), "42");
    assertTypedAs(failure, VersionNotFoundException.class);
    // Paths hold digits too: look for the latest version (2) in the words around them.
    String words = messageChain(failure).replaceAll("\\S*/\\S*", "");
    assertTrue(
        Pattern.compile("\\b2\\b").matcher(words).find(),
        "the error should say which versions exist (0 to 2):\n  " + messageChain(failure));
  }

  @Test
  void invalidVersionAsOf() {
    assertFailsNaming(
        () ->
            TestSpark.session()
                .read()
                .format(TestSpark.FORMAT_UNDER_TEST)
                .option("versionAsOf", "yesterday")
                .load(healthy),
        "versionAsOf",
        "yesterday");
  }

  @Test
  void corruptCommitFile() throws IOException {
    Path table = Path.of(TestTables.writeSmall(dir.resolve("torn"), 2));
    // A torn write: the last action of commit 1 is cut in half.
    Path commit = table.resolve("_delta_log").resolve("00000000000000000001.json");
    List<String> lines = Files.readAllLines(commit, StandardCharsets.UTF_8);
    String last = lines.get(lines.size() - 1);
    List<String> torn = new ArrayList<>(lines.subList(0, lines.size() - 1));
    torn.add(last.substring(0, last.length() / 2));
    Files.write(commit, torn, StandardCharsets.UTF_8);

    assertFailsNaming(
        () -> TestSpark.readUnderTest(table.toString(), OptionalLong.empty()).collectAsList(),
        "00000000000000000001.json");
  }

  @Test
  void unknownReaderFeature() throws IOException {
    Path log = Files.createDirectories(dir.resolve("future").resolve("_delta_log"));
    Files.writeString(
        log.resolve("00000000000000000000.json"),
        """
        {"protocol":{"minReaderVersion":3,"minWriterVersion":7,\
        "readerFeatures":["futureReaderFeature"],"writerFeatures":["futureReaderFeature"]}}
        {"metaData":{"id":"6f1b3d52-0000-4000-8000-000000000001","format":{"provider":"parquet",\
        "options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[{\\"name\\":\\"id\\",\
        \\"type\\":\\"long\\",\\"nullable\\":true,\\"metadata\\":{}}]}","partitionColumns":[],\
        "configuration":{},"createdTime":1700000000000}}
        """);
    Throwable failure =
        assertFailsNaming(
            () ->
                TestSpark.readUnderTest(log.getParent().toString(), OptionalLong.empty())
                    .collectAsList(),
            "futureReaderFeature");
    assertTypedAs(failure, UnsupportedTableFeatureException.class);
  }

  /**
   * With the log replayed as Spark jobs, a job that fails on a corrupt commit is the cause of the
   * kernel's error, so the whole story (the file, Spark's error class) reaches the user.
   */
  @Test
  void aFailedSparkJobIsTheCauseOfTheKernelsError() throws IOException {
    Path table = Path.of(TestTables.writeSmall(dir.resolve("torn-on-spark"), 2));
    Path log = table.resolve("_delta_log");
    Files.writeString(log.resolve("00000000000000000001.json"), "{\"add\": {\"pa");
    // Without checksum files the kernel replays the commits for protocol and metadata: a job.
    try (var files = Files.list(log)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".crc")).toList()) {
        Files.delete(file);
      }
    }
    Placement.SPARK.during(
        TestSpark.session(),
        () -> {
          Throwable failure =
              assertFailsNaming(
                  () ->
                      TestSpark.readUnderTest(table.toString(), OptionalLong.empty())
                          .collectAsList(),
                  "00000000000000000001.json");
          if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
            DeltaKernelException kernel = assertCausedBy(failure, DeltaKernelException.class);
            assertCausedBy(kernel.getCause(), SparkException.class);
          }
        });
  }

  /** delta-ffi's failures say what kind they are by their class. */
  private static void assertTypedAs(Throwable failure, Class<? extends Throwable> type) {
    if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      assertCausedBy(failure, type);
    }
  }
}
