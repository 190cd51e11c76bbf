package dev.deltaffi.streaming;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Streams;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams ({@code readStream}) against delta-spark's streaming source on tables delta-spark writes:
 * the initial snapshot and later commits, micro-batch sizes, starting points, a restart from the
 * checkpoint, commits that delete or update, a schema change, and refused options.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class StreamingTest {

  private static final AtomicInteger QUERIES = new AtomicInteger();

  @TempDir Path dir;

  private static Dataset<Row> stream(String format, String table, Map<String, String> options) {
    return TestSpark.session().readStream().format(format).options(options).load(table);
  }

  /** What a stream read: its rows, and how many micro-batches read rows. */
  private record Streamed(Dataset<Row> rows, long batches) {}

  /** Runs a stream of {@code table} to its end ({@code Trigger.AvailableNow}) into memory. */
  private static Streamed runToEnd(String format, String table, Map<String, String> options)
      throws TimeoutException, StreamingQueryException {
    String name = "stream_" + QUERIES.incrementAndGet();
    StreamingQuery query = Streams.runToEnd(stream(format, table, options), name);
    long batches = Arrays.stream(query.recentProgress()).filter(p -> p.numInputRows() > 0).count();
    return new Streamed(TestSpark.session().table(name), batches);
  }

  private static void assertSameStream(String table, Map<String, String> options) throws Exception {
    Streamed expected = runToEnd("delta", table, options);
    Streamed actual = runToEnd(TestSpark.FORMAT_UNDER_TEST, table, options);
    assertSameAnswer(expected.rows(), actual.rows(), table + " " + options);
    assertEquals(expected.batches(), actual.batches(), "micro-batches of " + table + options);
  }

  @Test
  void theSnapshotThenNewCommitsAnswerAsDeltaSparkInAsManyMicroBatches() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("appends"), 5);
    assertSameStream(table, Map.of());
    assertSameStream(table, Map.of("maxFilesPerTrigger", "1"));
    assertSameStream(table, Map.of("maxFilesPerTrigger", "4"));
    assertSameStream(table, Map.of("maxBytesPerTrigger", "1"));
    assertSameStream(table, Map.of("startingVersion", "2", "maxFilesPerTrigger", "3"));
    assertSameStream(table, Map.of("startingVersion", "latest"));
    assertSameStream(table, Map.of("startingVersion", "0"));

    String unpartitioned = dir.resolve("unpartitioned").toString();
    SparkSession spark = TestSpark.session();
    spark.sql("CREATE TABLE delta.`" + unpartitioned + "` (id BIGINT, v STRING) USING delta");
    for (int commit = 0; commit < 3; commit++) {
      spark.sql(
          "INSERT INTO delta.`"
              + unpartitioned
              + "` SELECT id, concat('v', id) FROM range("
              + commit * 10
              + ", "
              + (commit * 10 + 10)
              + ")");
    }
    assertSameStream(unpartitioned, Map.of("startingVersion", "0", "maxFilesPerTrigger", "1"));
  }

  /**
   * Streams {@code table} into a Parquet sink in two runs from one checkpoint: a first run stopped
   * after its first micro-batches, as a killed job would be, then {@code whileDown}, then a run to
   * the end. The sink must then hold {@code expected}'s rows, of which the first run wrote some.
   */
  private void streamInTwoRuns(
      String table,
      Map<String, String> options,
      Runnable whileDown,
      Supplier<Dataset<Row>> expected)
      throws Exception {
    String sink = dir.resolve("sink-" + QUERIES.incrementAndGet()).toString();
    String checkpoint = sink + "-checkpoint";
    SparkSession spark = TestSpark.session();
    StreamingQuery firstRun =
        stream(TestSpark.FORMAT_UNDER_TEST, table, with(options, "maxFilesPerTrigger", "1"))
            .writeStream()
            .format("parquet")
            .option("checkpointLocation", checkpoint)
            .trigger(Trigger.ProcessingTime(0))
            .start(sink);
    try {
      while (firstRun.lastProgress() == null || firstRun.lastProgress().batchId() < 1) {
        assertTrue(firstRun.isActive(), "the first run is running");
        Thread.sleep(50);
      }
    } finally {
      firstRun.stop();
    }
    long readByFirst = spark.read().parquet(sink).count();
    whileDown.run();
    StreamingQuery secondRun =
        stream(TestSpark.FORMAT_UNDER_TEST, table, with(options, "maxFilesPerTrigger", "2"))
            .writeStream()
            .format("parquet")
            .option("checkpointLocation", checkpoint)
            .trigger(Trigger.AvailableNow())
            .start(sink);
    try {
      secondRun.awaitTermination();
    } finally {
      secondRun.stop();
    }
    Dataset<Row> answer = expected.get();
    assertTrue(
        readByFirst > 0 && readByFirst < answer.count(), "the first run read part of " + table);
    assertSameAnswer(answer, spark.read().parquet(sink), "sink of " + table + " " + options);
  }

  private static Map<String, String> with(Map<String, String> options, String key, String value) {
    Map<String, String> all = new HashMap<>(options);
    all.put(key, value);
    return all;
  }

  @Test
  void aStreamRestartedFromItsCheckpointReadsEveryRowOnce() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("restart"), 3);
    streamInTwoRuns(
        table,
        Map.of(),
        () -> TestTables.append(table, 1000, 10),
        () -> TestSpark.session().read().format("delta").load(table));

    String changes = dir.resolve("restart-change-feed").toString();
    TestTables.writeChangeHistory(
        changes, "'delta.enableChangeDataFeed' = 'true'", "PARTITIONED BY (p)");
    Map<String, String> changeFeed = changeFeed("startingVersion", "0");
    streamInTwoRuns(
        changes,
        changeFeed,
        () -> TestSpark.session().sql("UPDATE delta.`" + changes + "` SET v = 'late' WHERE p = 2"),
        () -> {
          try {
            return runToEnd("delta", changes, changeFeed).rows();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void commitsThatRemoveDataFailOrAreSkippedAsInDeltaSpark() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("changes"), 3);
    SparkSession spark = TestSpark.session();
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 7 = 0");
    TestTables.append(table, 500, 10);
    Map<String, String> fromTheStart = Map.of("startingVersion", "0");
    for (String format : new String[] {"delta", TestSpark.FORMAT_UNDER_TEST}) {
      assertThrows(Exception.class, () -> runToEnd(format, table, fromTheStart), format);
    }
    assertFailsNaming(
        () -> runToEnd(TestSpark.FORMAT_UNDER_TEST, table, fromTheStart),
        "version 3",
        "skipChangeCommits",
        table);
    assertSameStream(table, Map.of("startingVersion", "0", "skipChangeCommits", "true"));
    assertSameStream(table, Map.of("startingVersion", "0", "ignoreChanges", "true"));
    // The snapshot already holds the DELETE: a stream from it meets no removal.
    assertSameStream(table, Map.of());

    // A DELETE of whole partitions only removes files: ignoreDeletes passes over it.
    spark.sql("DELETE FROM delta.`" + table + "` WHERE part = 1");
    TestTables.append(table, 600, 6);
    Map<String, String> afterTheUpdate = Map.of("startingVersion", "4");
    for (String format : new String[] {"delta", TestSpark.FORMAT_UNDER_TEST}) {
      assertThrows(Exception.class, () -> runToEnd(format, table, afterTheUpdate), format);
    }
    assertFailsNaming(
        () -> runToEnd(TestSpark.FORMAT_UNDER_TEST, table, afterTheUpdate),
        "ignoreDeletes",
        "version 5");
    assertSameStream(table, Map.of("startingVersion", "4", "ignoreDeletes", "true"));
  }

  @Test
  void aSchemaChangeFailsTheStreamAsInDeltaSpark() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("schema"), 2);
    SparkSession spark = TestSpark.session();
    Map<String, Dataset<Row>> streams =
        Map.of(
            "delta",
            stream("delta", table, Map.of()),
            TestSpark.FORMAT_UNDER_TEST,
            stream(TestSpark.FORMAT_UNDER_TEST, table, Map.of()));
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (extra STRING)");
    spark.sql("INSERT INTO delta.`" + table + "` SELECT 99, 'row-99', 1.25, 0, 'new'");
    for (Map.Entry<String, Dataset<Row>> entry : streams.entrySet()) {
      String name = "schema_" + QUERIES.incrementAndGet();
      StreamingQuery query =
          entry
              .getValue()
              .writeStream()
              .format("memory")
              .queryName(name)
              .trigger(Trigger.AvailableNow())
              .start();
      try {
        if (entry.getKey().equals(TestSpark.FORMAT_UNDER_TEST)) {
          assertFailsNaming(query::awaitTermination, "schema", "extra", table);
        } else {
          assertThrows(StreamingQueryException.class, query::awaitTermination);
        }
      } finally {
        query.stop();
      }
    }
    // A stream created after the change reads the new schema, older rows with NULLs, also
    // through the commits written before it.
    assertSameStream(table, Map.of());
    assertSameStream(table, Map.of("startingVersion", "0"));
  }

  private static Map<String, String> changeFeed(String... options) {
    Map<String, String> all = new HashMap<>(Map.of("readChangeFeed", "true"));
    for (int i = 0; i < options.length; i += 2) {
      all.put(options[i], options[i + 1]);
    }
    return all;
  }

  @Test
  void theChangeFeedStreamsAsDeltaSparkInAsManyMicroBatches() throws Exception {
    String table = dir.resolve("change-feed").toString();
    TestTables.writeChangeHistory(
        table, "'delta.enableChangeDataFeed' = 'true'", "PARTITIONED BY (p)");
    TestSpark.session()
        .sql("INSERT INTO delta.`" + table + "` SELECT id, 'late', 1 FROM range(40, 44)");
    assertSameStream(table, changeFeed());
    assertSameStream(table, changeFeed("maxFilesPerTrigger", "1"));
    assertSameStream(table, changeFeed("startingVersion", "0"));
    assertSameStream(table, changeFeed("startingVersion", "0", "maxFilesPerTrigger", "1"));
    assertSameStream(table, changeFeed("startingVersion", "2", "maxFilesPerTrigger", "3"));
    assertSameStream(table, changeFeed("startingVersion", "1", "maxBytesPerTrigger", "1"));

    String deletionVectors = dir.resolve("change-feed-dv").toString();
    TestTables.writeChangeHistory(
        deletionVectors,
        "'delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = 'true'",
        "");
    assertSameStream(deletionVectors, changeFeed("startingVersion", "0"));
    assertSameStream(
        deletionVectors, changeFeed("startingVersion", "1", "maxFilesPerTrigger", "1"));

    String mapped = dir.resolve("change-feed-column-mapping").toString();
    TestTables.writeChangeHistory(
        mapped, "'delta.enableChangeDataFeed' = 'true', 'delta.columnMapping.mode' = 'name'", "");
    assertSameStream(mapped, changeFeed("startingVersion", "0", "maxFilesPerTrigger", "2"));
  }

  @Test
  void aChangeFeedStreamFailsWhereTheTableRecordedNoChanges() throws Exception {
    String table = TestTables.writeSmall(dir.resolve("no-change-feed"), 2);
    TestTables.append(table, 100, 5);
    TestSpark.session().sql("DELETE FROM delta.`" + table + "` WHERE id = 3");
    Map<String, String> options = changeFeed("startingVersion", "0");
    for (String format : new String[] {"delta", TestSpark.FORMAT_UNDER_TEST}) {
      assertThrows(Exception.class, () -> runToEnd(format, table, options), format);
    }
    assertFailsNaming(
        () -> runToEnd(TestSpark.FORMAT_UNDER_TEST, table, options),
        "DELTA_FFI_UNSUPPORTED_TABLE_FEATURE",
        "change data feed",
        table);
  }

  @Test
  void optionsAStreamDoesNotHonourAreRefusedByName() {
    String table = TestTables.writeSmall(dir.resolve("options"), 1);
    for (Map<String, String> options :
        new Map[] {
          Map.of("endingVersion", "1"),
          Map.of("readChangeFeed", "true", "endingVersion", "0"),
          Map.of("readChangeFeed", "true", "skipChangeCommits", "true"),
          Map.of("excludeRegex", "x"),
          Map.of("versionAsOf", "0")
        }) {
      String option =
          options.keySet().stream()
              .filter(k -> !k.equals("readChangeFeed"))
              .findFirst()
              .orElseThrow();
      assertFailsNaming(() -> stream(TestSpark.FORMAT_UNDER_TEST, table, options), option, table);
    }
    assertFailsNaming(
        () ->
            TestSpark.session()
                .read()
                .format(TestSpark.FORMAT_UNDER_TEST)
                .option("maxFilesPerTrigger", "1")
                .load(table),
        "maxFilesPerTrigger",
        "batch read");
    assertFailsNaming(
        () -> stream(TestSpark.FORMAT_UNDER_TEST, table, Map.of("maxFilesPerTrigger", "0")),
        "maxFilesPerTrigger",
        "positive");
    assertFailsNaming(
        () -> runToEnd(TestSpark.FORMAT_UNDER_TEST, table, Map.of("startingVersion", "5")),
        "version 5",
        "latest version is 0");
  }
}
