package dev.deltaffi.changes;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch change data feed ({@code readChangeFeed=true}) against delta-spark's, on tables written by
 * delta-spark with inserts, updates, deletes and MERGE: several version ranges, projections and
 * filters, a partitioned table with deletion vectors, column mapping, and delta-spark's errors.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class ChangeFeedTest {

  @TempDir Path dir;

  private static Dataset<Row> changes(String format, String table, Map<String, String> range) {
    return TestSpark.session()
        .read()
        .format(format)
        .option("readChangeFeed", "true")
        .options(range)
        .load(table);
  }

  private static final List<UnaryOperator<Dataset<Row>>> QUERIES =
      List.of(
          df -> df,
          df -> df.select("id", "_change_type", "_commit_version"),
          df -> df.where("_change_type = 'update_postimage'").select("id", "v"),
          df -> df.groupBy("_commit_version", "_change_type").count());

  private static void assertSameChanges(String table, Map<String, String> range) {
    for (UnaryOperator<Dataset<Row>> query : QUERIES) {
      assertSameAnswer(
          query.apply(changes("delta", table, range)),
          query.apply(changes(TestSpark.FORMAT_UNDER_TEST, table, range)),
          table + " " + range);
    }
  }

  @Test
  void everyRangeOfInsertsUpdatesDeletesAndMergesAnswersAsDeltaSpark() {
    String table = dir.resolve("plain").toString();
    TestTables.writeChangeHistory(table, "'delta.enableChangeDataFeed' = 'true'", "");
    for (Map<String, String> range :
        List.of(
            Map.of("startingVersion", "0"),
            Map.of("startingVersion", "1", "endingVersion", "1"),
            Map.of("startingVersion", "2", "endingVersion", "3"),
            Map.of("startingVersion", "3"),
            Map.of("startingVersion", "0", "endingVersion", "4"))) {
      assertSameChanges(table, range);
    }
    assertEquals(
        changes("delta", table, Map.of("startingVersion", "0")).count(),
        changes(TestSpark.FORMAT_UNDER_TEST, table, Map.of("startingVersion", "0")).count());
  }

  @Test
  void partitionedTablesWithDeletionVectorsAndColumnMappingAnswerAsDeltaSpark() {
    String partitioned = dir.resolve("partitioned-dv").toString();
    TestTables.writeChangeHistory(
        partitioned,
        "'delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = 'true'",
        "PARTITIONED BY (p)");
    assertSameChanges(partitioned, Map.of("startingVersion", "0"));
    assertSameChanges(partitioned, Map.of("startingVersion", "3", "endingVersion", "4"));

    String mapped = dir.resolve("column-mapping").toString();
    TestTables.writeChangeHistory(
        mapped, "'delta.enableChangeDataFeed' = 'true', 'delta.columnMapping.mode' = 'name'", "");
    assertSameChanges(mapped, Map.of("startingVersion", "0"));
  }

  /** A timestamp string in the tests' session time zone (UTC). */
  private static String utc(Instant instant) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
        .withZone(ZoneOffset.UTC)
        .format(instant);
  }

  @Test
  void rangesByCommitTimeAnswerAsDeltaSpark() {
    String table = dir.resolve("by-time").toString();
    TestTables.writeChangeHistory(table, "'delta.enableChangeDataFeed' = 'true'", "");
    // Recent times: delta-spark refuses a change feed beyond the deleted-file retention (7 days).
    Instant first = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(2, ChronoUnit.HOURS);
    for (int version = 0; version <= 4; version++) {
      File commit = new File(table, String.format("_delta_log/%020d.json", version));
      assertTrue(commit.setLastModified(first.plusSeconds(60L * version).toEpochMilli()));
    }
    String exactlyVersion1 = utc(first.plusSeconds(60));
    String betweenVersions1And2 = utc(first.plusSeconds(90));
    String exactlyVersion3 = utc(first.plusSeconds(180));
    String beforeTheFirst = utc(first.minus(1, ChronoUnit.HOURS));
    String afterTheLast = utc(first.plus(1, ChronoUnit.HOURS));
    for (Map<String, String> range :
        List.of(
            Map.of("startingTimestamp", exactlyVersion1, "endingTimestamp", exactlyVersion3),
            Map.of("startingTimestamp", betweenVersions1And2),
            Map.of("startingTimestamp", beforeTheFirst, "endingTimestamp", betweenVersions1And2),
            Map.of("startingVersion", "2", "endingTimestamp", exactlyVersion3))) {
      assertSameChanges(table, range);
    }
    for (Map<String, String> range :
        List.of(
            Map.of("startingTimestamp", afterTheLast),
            Map.of("startingVersion", "2", "endingTimestamp", afterTheLast))) {
      for (String format : List.of("delta", TestSpark.FORMAT_UNDER_TEST)) {
        assertThrows(
            Exception.class, () -> changes(format, table, range).collect(), format + range);
      }
      assertFailsNaming(
          () -> changes(TestSpark.FORMAT_UNDER_TEST, table, range).collect(),
          "after the latest commit",
          table);
    }
    // delta-spark's clamping of out-of-range timestamps is refused by delta-ffi, not ignored.
    if (!TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      return;
    }
    String clamp = "spark.databricks.delta.changeDataFeed.timestampOutOfRange.enabled";
    TestSpark.session().conf().set(clamp, "true");
    try {
      assertFailsNaming(
          () ->
              changes(
                      TestSpark.FORMAT_UNDER_TEST,
                      table,
                      Map.of("startingTimestamp", exactlyVersion1))
                  .collect(),
          clamp,
          table);
    } finally {
      TestSpark.session().conf().unset(clamp);
    }
  }

  @Test
  void badRangesFailAsInDeltaSpark() {
    String table = dir.resolve("errors").toString();
    TestTables.writeChangeHistory(table, "'delta.enableChangeDataFeed' = 'true'", "");
    for (String format : List.of("delta", TestSpark.FORMAT_UNDER_TEST)) {
      assertThrows(Exception.class, () -> changes(format, table, Map.of()).collect(), format);
      assertThrows(
          Exception.class,
          () -> changes(format, table, Map.of("startingVersion", "9")).collect(),
          format);
      assertThrows(
          Exception.class,
          () ->
              changes(format, table, Map.of("startingVersion", "3", "endingVersion", "1"))
                  .collect(),
          format);
    }
    assertFailsNaming(
        () -> changes(TestSpark.FORMAT_UNDER_TEST, table, Map.of()).collect(),
        "startingVersion",
        table);
    assertFailsNaming(
        () -> changes(TestSpark.FORMAT_UNDER_TEST, table, Map.of("startingVersion", "9")).collect(),
        "9",
        table);

    String noFeed = dir.resolve("no-feed").toString();
    TestTables.writeChangeHistory(noFeed, "'delta.appendOnly' = 'false'", "");
    assertThrows(
        Exception.class, () -> changes("delta", noFeed, Map.of("startingVersion", "0")).collect());
    assertFailsNaming(
        () ->
            changes(TestSpark.FORMAT_UNDER_TEST, noFeed, Map.of("startingVersion", "0")).collect(),
        "DELTA_FFI_UNSUPPORTED_TABLE_FEATURE",
        "change data feed",
        noFeed);
  }
}
