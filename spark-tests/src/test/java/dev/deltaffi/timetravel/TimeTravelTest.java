package dev.deltaffi.timetravel;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static dev.deltaffi.testing.ErrorAssert.messageChain;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time travel by version, by timestamp and by delta-spark's path syntax: the same snapshot as
 * delta-spark's. Commit timestamps are set by touching the commit files, as Delta's own tests do:
 * version N committed N hours after midnight UTC two days ago (UTC is the test session's zone).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class TimeTravelTest {

  @TempDir static Path dir;

  private static String table;

  @BeforeAll
  static void writeTable() {
    SparkSession spark = TestSpark.session();
    table = dir.resolve("history").toString();
    for (int version = 0; version < 4; version++) {
      spark
          .range(version * 10L, version * 10L + 10)
          .selectExpr("id", "CAST(id % 2 AS INT) AS part")
          .write()
          .format("delta")
          .mode(version == 0 ? "errorifexists" : "append")
          .partitionBy("part")
          .option("delta.enableInCommitTimestamps", "false")
          .save(table);
    }
    for (int version = 0; version < 4; version++) {
      File commit = new File(table, String.format("_delta_log/%020d.json", version));
      if (!commit.setLastModified(at(version, 0).toEpochMilli())) {
        throw new IllegalStateException("cannot touch " + commit);
      }
    }
  }

  /**
   * Commit N's timestamp plus {@code minutes}: the commits are an hour apart, starting at midnight
   * UTC two days ago (recent enough for delta-spark's retention check).
   */
  private static Instant at(int version, int minutes) {
    return Instant.now()
        .truncatedTo(ChronoUnit.DAYS)
        .minus(2, ChronoUnit.DAYS)
        .plus(version * 60L + minutes, ChronoUnit.MINUTES);
  }

  private static String format(Instant instant, String pattern, String zone) {
    return DateTimeFormatter.ofPattern(pattern).withZone(ZoneId.of(zone)).format(instant);
  }

  private static String utc(Instant instant) {
    return format(instant, "yyyy-MM-dd HH:mm:ss.SSS", "UTC");
  }

  private static String pathTimestamp(Instant instant, String zone) {
    return format(instant, "yyyyMMddHHmmssSSS", zone);
  }

  private static Dataset<Row> read(String format, String path, Map<String, String> options) {
    DataFrameReader reader = TestSpark.session().read().format(format);
    return reader.options(options).load(path);
  }

  private static void assertSameSnapshot(String path, Map<String, String> options) {
    assertSameAnswer(
        read("delta", path, options),
        read(TestSpark.FORMAT_UNDER_TEST, path, options),
        path + " " + options);
  }

  @Test
  void byVersion() {
    for (int version = 0; version < 4; version++) {
      assertSameSnapshot(table, Map.of("versionAsOf", Integer.toString(version)));
    }
  }

  @Test
  void byTimestamp() {
    for (String timestamp :
        List.of(
            format(at(0, 0), "yyyy-MM-dd", "UTC"),
            utc(at(1, 0).minusMillis(1)),
            utc(at(1, 0)),
            format(at(2, 30), "yyyy-MM-dd'T'HH:mm:ss", "UTC"),
            utc(at(3, 0)),
            format(at(3, 0), "yyyy-MM-dd HH:mm:ssXXX", "+01:00"))) {
      assertSameSnapshot(table, Map.of("timestampAsOf", timestamp));
    }
  }

  @Test
  void byTimestampInTheSessionTimeZone() {
    SparkSession spark = TestSpark.session();
    spark.conf().set("spark.sql.session.timeZone", "America/New_York");
    try {
      // Version 2, written in New York time.
      assertSameSnapshot(
          table,
          Map.of("timestampAsOf", format(at(2, 30), "yyyy-MM-dd HH:mm:ss", "America/New_York")));
      assertSameSnapshot(table + "@" + pathTimestamp(at(2, 30), "America/New_York"), Map.of());
    } finally {
      spark.conf().set("spark.sql.session.timeZone", "UTC");
    }
  }

  @Test
  void byPathSyntax() {
    assertSameSnapshot(table + "@v1", Map.of());
    assertSameSnapshot(table + "@V2", Map.of());
    assertSameSnapshot(table + "@" + pathTimestamp(at(1, 30), "UTC"), Map.of());
    assertSameSnapshot(table + "@" + pathTimestamp(at(0, 0), "UTC"), Map.of());
  }

  @Test
  void timestampBeforeTheFirstCommitNamesTheRange() {
    Throwable failure =
        assertFailsNaming(
            () ->
                read(TestSpark.FORMAT_UNDER_TEST, table, Map.of("timestampAsOf", utc(at(0, -60))))
                    .collect(),
            table,
            utc(at(0, -60)),
            "before the earliest version available",
            "version 0");
    System.out.println(messageChain(failure));
  }

  @Test
  void timestampAfterTheLatestCommitNamesTheLatest() {
    // Like delta-spark, a time after the last commit is refused rather than read as the latest.
    assertFailsNaming(
        () ->
            read(TestSpark.FORMAT_UNDER_TEST, table, Map.of("timestampAsOf", utc(at(3, 60))))
                .collect(),
        table,
        "after the latest commit",
        "version 3");
  }

  @Test
  void invalidTimeTravelIsRefused() {
    assertFailsNaming(
        () ->
            read(
                    TestSpark.FORMAT_UNDER_TEST,
                    table,
                    Map.of("timestampAsOf", utc(at(1, 0)), "versionAsOf", "1"))
                .collect(),
        "versionAsOf",
        "timestampAsOf");
    assertFailsNaming(
        () ->
            read(TestSpark.FORMAT_UNDER_TEST, table, Map.of("timestampAsOf", "yesterday"))
                .collect(),
        "yesterday");
    assertFailsNaming(
        () ->
            read(TestSpark.FORMAT_UNDER_TEST, table + "@v1", Map.of("versionAsOf", "1")).collect(),
        "versionAsOf");
    assertFailsNaming(
        () -> read(TestSpark.FORMAT_UNDER_TEST, table + "@v9", Map.of()).collect(), "3");
  }

  /**
   * Three commits whose files share one modification time (as after a copy): delta-spark counts
   * each as 1 ms after its predecessor, so T, T+1 ms and T+2 ms name versions 0, 1 and 2, and T+3
   * ms is after the latest commit.
   */
  @Test
  void commitsSharingAModificationTimeAreOneMillisecondApart() {
    String copied = writeCommits("same-mtime", 3);
    Instant shared = at(0, 0).plusMillis(291);
    for (int version = 0; version < 3; version++) {
      touch(copied, version, shared);
    }
    for (int offset = 0; offset < 3; offset++) {
      assertSameSnapshot(copied, Map.of("timestampAsOf", utc(shared.plusMillis(offset))));
      assertSameSnapshot(copied + "@" + pathTimestamp(shared.plusMillis(offset), "UTC"), Map.of());
    }
    for (String format : List.of("delta", TestSpark.FORMAT_UNDER_TEST)) {
      assertFailsNaming(
          () -> read(format, copied, Map.of("timestampAsOf", utc(shared.plusMillis(3)))).collect(),
          "after");
      assertFailsNaming(
          () -> read(format, copied, Map.of("timestampAsOf", utc(shared.minusMillis(1)))).collect(),
          "before");
    }
  }

  /**
   * A commit file older than its predecessor's counts as 1 ms after it, and the versions after it
   * keep their own later times.
   */
  @Test
  void aCommitOlderThanItsPredecessorFollowsIt() {
    String skewed = writeCommits("skewed", 4);
    touch(skewed, 0, at(0, 0));
    touch(skewed, 1, at(2, 0));
    touch(skewed, 2, at(1, 0));
    touch(skewed, 3, at(3, 0));
    for (Instant instant :
        List.of(
            at(1, 0),
            at(2, 0),
            at(2, 0).plusMillis(1),
            at(2, 0).plusMillis(2),
            at(2, 30),
            at(3, 0))) {
      assertSameSnapshot(skewed, Map.of("timestampAsOf", utc(instant)));
    }
  }

  /**
   * In-commit timestamps enabled after two commits: times before the enablement resolve by the
   * (monotonized) file times, later ones by the commits' own timestamps.
   */
  @Test
  void inCommitTimestampsEnabledAfterCommitsWithFileTimes() {
    String table = writeCommits("ict-later", 2);
    touch(table, 0, at(0, 0));
    touch(table, 1, at(0, 0));
    SparkSession spark = TestSpark.session();
    spark.sql(
        "ALTER TABLE delta.`"
            + table
            + "` SET TBLPROPERTIES ('delta.enableInCommitTimestamps' = 'true')");
    spark
        .range(100, 110)
        .selectExpr("id", "CAST(id % 2 AS INT) AS part")
        .write()
        .format("delta")
        .mode("append")
        .save(table);
    List<Row> history =
        spark
            .sql("DESCRIBE HISTORY delta.`" + table + "`")
            .select("version", "timestamp")
            .collectAsList();
    for (Row commit : history) {
      Instant instant = commit.getTimestamp(1).toInstant();
      assertSameSnapshot(table, Map.of("timestampAsOf", utc(instant)));
      if (commit.getLong(0) < 3) {
        assertSameSnapshot(table, Map.of("timestampAsOf", utc(instant.plusMillis(1))));
      }
    }
    assertSameSnapshot(table, Map.of("timestampAsOf", utc(at(0, 0))));
    assertSameSnapshot(table, Map.of("timestampAsOf", utc(at(0, 0).plusMillis(1))));
  }

  /** A table of {@code commits} appends, without in-commit timestamps. */
  private static String writeCommits(String name, int commits) {
    String path = dir.resolve(name).toString();
    for (int version = 0; version < commits; version++) {
      TestSpark.session()
          .range(version * 10L, version * 10L + 10)
          .selectExpr("id", "CAST(id % 2 AS INT) AS part")
          .write()
          .format("delta")
          .mode(version == 0 ? "errorifexists" : "append")
          .option("delta.enableInCommitTimestamps", "false")
          .save(path);
    }
    return path;
  }

  private static void touch(String table, int version, Instant instant) {
    File commit = new File(table, String.format("_delta_log/%020d.json", version));
    if (!commit.setLastModified(instant.toEpochMilli())) {
      throw new IllegalStateException("cannot touch " + commit);
    }
  }
}
