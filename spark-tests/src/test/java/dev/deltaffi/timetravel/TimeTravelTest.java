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
            "before the earliest readable commit",
            "versions 0");
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
}
