package dev.deltaffi.differential;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables written by delta-spark, read by delta-spark (the oracle) and by the format under test: the
 * same schema and the same rows, for whole tables, projections and every version.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class DifferentialSuiteTest {

  @TempDir static Path dir;

  private static String plain;
  private static String partitioned;
  private static String partitionedByMoreTypes;
  private static String history;
  private static String nested;
  private static String decimals;

  @BeforeAll
  static void writeTables() {
    SparkSession spark = TestSpark.session();
    plain =
        create(
            "plain",
            spark
                .range(0, 200)
                .selectExpr(
                    "id",
                    "CAST(id AS INT) AS i",
                    "CAST(id % 3 AS SHORT) AS s",
                    "CAST(id % 5 AS BYTE) AS b",
                    "id * 1.5D AS d",
                    "CAST(id AS FLOAT) / 3 AS f",
                    "id % 2 = 0 AS flag",
                    "IF(id % 7 = 0, NULL, concat('name-', id)) AS name",
                    "CAST(concat('bin', id) AS BINARY) AS bin",
                    "date_add(DATE'2024-01-01', CAST(id AS INT)) AS day",
                    "timestamp_seconds(1700000000 + id * 3601) AS ts")
                .repartition(3),
            List.of());
    partitioned =
        create(
            "partitioned",
            spark
                .range(0, 120)
                .selectExpr(
                    "id",
                    "concat('v', id) AS value",
                    "element_at(array('eu', 'us east', 'a/b=c%d', 'ünï', '', NULL), CAST(id % 6 + 1"
                        + " AS INT)) AS region",
                    "IF(id % 5 = 0, NULL, CAST(id % 4 AS INT)) AS bucket",
                    "date_add(DATE'2023-12-30', CAST(id % 3 AS INT)) AS day"),
            List.of("region", "bucket", "day"));
    partitionedByMoreTypes =
        create(
            "partitioned-more-types",
            spark
                .range(0, 60)
                .selectExpr(
                    "id",
                    "id % 2 = 0 AS flag",
                    "CAST(id % 3 - 1.5 AS DECIMAL(10, 2)) AS amount",
                    "IF(id % 4 = 0, NULL, timestamp_seconds(1700000000 + (id % 3) * 86399)) AS at",
                    "(id % 2) * 10000000000 AS big"),
            List.of("flag", "amount", "at", "big"));
    nested = create("nested", nestedRows(spark), List.of());
    decimals =
        create(
            "decimals",
            spark
                .range(0, 50)
                .selectExpr(
                    "id",
                    "CAST(id * 1.11 - 20 AS DECIMAL(5, 2)) AS d5_2",
                    "CAST(id * 123456.789012 AS DECIMAL(18, 6)) AS d18_6",
                    "CAST(concat(IF(id % 2 = 0, '-', ''), id,"
                        + " '2345678901234567890123456.123456789') AS DECIMAL(38, 10)) AS d38_10",
                    "IF(id % 4 = 0, NULL, CAST(id AS DECIMAL(10, 0))) AS d10_0",
                    "CAST(id % 3 - 1.5 AS DECIMAL(4, 1)) AS dpart"),
            List.of("dpart"));
    history = writeHistory(spark);
  }

  @Test
  void plainTable() {
    assertSameReads(
        plain,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("name", "id"),
        df -> df.select("day"),
        df -> df.filter("id > 150").select("ts", "flag", "bin"),
        df -> df.groupBy().count());
  }

  @Test
  void partitionedByStringIntDate() {
    assertSameReads(
        partitioned,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("day", "region", "bucket"),
        df -> df.select("value"),
        df -> df.filter("region = 'eu' OR region IS NULL").select("id", "region"),
        df -> df.groupBy("region", "bucket").count());
  }

  @Test
  void partitionedByBooleanDecimalTimestampLong() {
    assertSameReads(
        partitionedByMoreTypes,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("at", "id"),
        df -> df.groupBy().count());
  }

  @Test
  void nestedStructArrayMap() {
    assertSameReads(
        nested,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("s.b.c", "id"),
        df -> df.select("m", "m_struct"),
        df -> df.selectExpr("arr_struct[0].y AS y", "arr_arr"));
  }

  @Test
  void decimals() {
    assertSameReads(
        decimals,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("d38_10", "dpart"),
        df -> df.filter("dpart > 0").select("d5_2"));
  }

  /** Unshredded variants: top-level, NULL, and nested in a struct and an array. */
  @Test
  void variants() {
    String location =
        create(
            "variants",
            TestSpark.session()
                .range(0, 50)
                .selectExpr(
                    "id",
                    "parse_json(concat('{\"a\":', id, ',\"b\":[\"x\",', id % 3, ']}')) AS v",
                    "named_struct('inner', parse_json(CAST(id AS STRING))) AS s",
                    "array(parse_json('null'), parse_json(concat('\"s', id, '\"'))) AS arr",
                    "IF(id % 4 = 0, NULL, parse_json('true')) AS maybe"),
            List.of());
    assertSameReads(
        location,
        OptionalLong.empty(),
        df -> df,
        df -> df.selectExpr("id", "variant_get(v, '$.a', 'int') AS a", "maybe"),
        df -> df.filter("id > 40").select("s", "arr"));
  }

  /**
   * Overwrite, append, delete and update commits, with checkpoints: the latest and every version.
   */
  @Test
  void historyLatestAndEveryVersion() throws IOException {
    try (Stream<Path> log = Files.list(Path.of(history, "_delta_log"))) {
      assertTrue(
          log.anyMatch(f -> f.getFileName().toString().endsWith(".checkpoint.parquet")),
          "the history table should have a checkpoint");
    }
    assertSameReads(history, OptionalLong.empty(), df -> df, df -> df.select("part", "id"));
    for (long version = 0; version <= 5; version++) {
      assertSameReads(history, OptionalLong.of(version), df -> df);
    }
  }

  private static String create(String name, Dataset<Row> rows, List<String> partitionColumns) {
    String location = dir.resolve(name).toString();
    rows.write()
        .format("delta")
        .partitionBy(partitionColumns.toArray(new String[0]))
        .option("delta.enableDeletionVectors", "false")
        .save(location);
    return location;
  }

  private static Dataset<Row> nestedRows(SparkSession spark) {
    return spark
        .range(0, 40)
        .selectExpr(
            "id",
            "IF(id % 5 = 0, NULL, named_struct('a', CAST(id AS INT), 'b', named_struct("
                + "'c', IF(id % 3 = 0, NULL, concat('c', id)),"
                + " 'd', IF(id % 4 = 0, NULL, array(CAST(id AS INT), NULL, 7))))) AS s",
            "IF(id % 6 = 0, NULL, transform(sequence(0, CAST(id % 3 AS INT)), x ->"
                + " named_struct('x', x, 'y', IF(x = 1, NULL, concat('y', x))))) AS arr_struct",
            "IF(id % 7 = 0, NULL, map('k1', CAST(id AS INT), 'k2', IF(id % 2 = 0, NULL, 2))) AS m",
            "map(CAST(id AS INT), IF(id % 3 = 0, NULL, named_struct('p', id * 0.5D))) AS m_struct",
            "array(array(id, id + 1), array(), NULL) AS arr_arr",
            "array(IF(id % 2 = 0, map('a', concat('v', id)),"
                + " map_filter(map('b', 'x'), (k, v) -> false))) AS arr_map");
  }

  /**
   * Versions: 0 create, 1 append, 2 overwrite, 3 append, 4 delete, 5 update; a checkpoint every
   * second version.
   */
  private static String writeHistory(SparkSession spark) {
    String location = dir.resolve("history").toString();
    rangeRows(spark, 0, 50)
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.checkpointInterval", "2")
        .option("delta.enableDeletionVectors", "false")
        .save(location);
    rangeRows(spark, 50, 100).write().format("delta").mode("append").save(location);
    rangeRows(spark, 100, 130).write().format("delta").mode("overwrite").save(location);
    rangeRows(spark, 130, 160).write().format("delta").mode("append").save(location);
    spark.sql("DELETE FROM delta.`" + location + "` WHERE id % 4 = 0");
    spark.sql("UPDATE delta.`" + location + "` SET label = upper(label) WHERE id % 3 = 0");
    return location;
  }

  private static Dataset<Row> rangeRows(SparkSession spark, long from, long to) {
    return spark
        .range(from, to)
        .selectExpr("id", "concat('label-', id) AS label", "CAST(id % 3 AS INT) AS part")
        .repartition(2);
  }
}
