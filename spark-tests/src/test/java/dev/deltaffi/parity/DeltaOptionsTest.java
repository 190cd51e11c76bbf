package dev.deltaffi.parity;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delta options delta-ffi does not honour fail the read naming the option, where delta-spark would
 * answer differently (a change feed) or ignore them; options delta-spark does not know are ignored
 * by both.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class DeltaOptionsTest {

  @TempDir static Path dir;

  private static String table;

  @BeforeAll
  static void writeTable() {
    SparkSession spark = TestSpark.session();
    table = dir.resolve("cdf").toString();
    spark
        .range(0, 10)
        .write()
        .format("delta")
        .option("delta.enableChangeDataFeed", "true")
        .save(table);
    spark.range(10, 20).write().format("delta").mode("append").save(table);
  }

  private static Dataset<Row> read(String format, Map<String, String> options) {
    return TestSpark.session().read().format(format).options(options).load(table);
  }

  @Test
  void aChangeFeedReadIsAnsweredAsDeltaSparkUnderEitherName() {
    for (String name : List.of("readChangeFeed", "ReadChangeData")) {
      Map<String, String> cdf = Map.of(name, "true", "startingVersion", "0");
      assertSameAnswer(read("delta", cdf), read(TestSpark.FORMAT_UNDER_TEST, cdf), name);
    }
  }

  @Test
  void everyOptionDeltaFfiDoesNotHonourIsNamedInTheError() {
    // The refusal is delta-ffi's: with the harness check (-Ddeltaffi.read.format=delta) skip it.
    assumeTrue(TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"));
    for (String option :
        List.of(
            "startingVersion",
            "endingVersion",
            "startingTimestamp",
            "endingTimestamp",
            "maxFilesPerTrigger",
            "maxBytesPerTrigger",
            "ignoreDeletes",
            "ignoreChanges",
            "skipChangeCommits",
            "failOnDataLoss",
            "excludeRegex",
            "schemaTrackingLocation",
            "mergeSchema",
            "replaceWhere")) {
      assertFailsNaming(
          () -> read(TestSpark.FORMAT_UNDER_TEST, Map.of(option, "1")).collect(), option);
    }
  }

  @Test
  void honouredAndUnknownOptionsReadAsDeltaSpark() {
    for (Map<String, String> options :
        List.of(
            Map.of("readChangeFeed", "false"),
            Map.of("versionAsOf", "0"),
            Map.of("someOtherSourcesOption", "x"),
            Map.<String, String>of())) {
      Dataset<Row> underTest = read(TestSpark.FORMAT_UNDER_TEST, options);
      assertSameAnswer(read("delta", options), underTest, options.toString());
      assertFalse(List.of(underTest.columns()).contains("_change_type"));
    }
  }
}
