package dev.deltaffi.pushdown;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.io.CountingFileSystem;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shape of filter Spark pushes to a V2 source, on complex, nested, partition and data
 * columns: delta-ffi answers with delta-spark's rows, and a filter the kernel cannot use for
 * skipping is simply not pushed (or only the parts of it it can use).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class PredicateShapesTest {

  @TempDir static Path dir;

  private static String table;

  /** 200 rows in 10 id ranges by 2 partitions: 20 files; maps, arrays, structs with NULLs. */
  @BeforeAll
  static void writeTable() {
    SparkSession spark = TestSpark.session();
    table = dir.resolve("shapes").toString();
    spark
        .range(0, 200)
        .selectExpr(
            "id",
            "CAST(id % 2 AS INT) AS part",
            "IF(id % 7 = 0, NULL, map('k', id, 'j', id * 2)) AS m",
            "IF(id % 5 = 0, NULL, array(id, id + 1)) AS arr",
            "IF(id % 3 = 0, NULL, named_struct('x', id, 'inner', named_struct('y',"
                + " IF(id % 4 = 0, NULL, concat('v', id))))) AS s",
            "IF(id % 11 = 0, NULL, concat('name-', id)) AS name",
            "IF(id % 13 = 0, CAST('NaN' AS DOUBLE), id * 0.5D) AS d",
            "IF(id % 6 = 0, NULL, CAST(id AS INT)) AS n")
        .repartitionByRange(10, functions.col("id"))
        .sortWithinPartitions("id")
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "false")
        .save(table);
  }

  private static final List<String> FILTERS =
      List.of(
          // whole complex columns: never pushed
          "m IS NULL",
          "m IS NOT NULL",
          "arr IS NULL",
          "s IS NULL",
          "s IS NOT NULL",
          "m['k'] = 10",
          "element_at(m, 'j') > 300",
          "arr[0] = 42",
          "array_contains(arr, 43)",
          "size(arr) = 2",
          // nested fields
          "s.x > 150",
          "s.x = 31",
          "s.inner.y IS NULL",
          "s.inner.y = 'v35'",
          "s.inner IS NULL",
          // IN with NULLs, NOT IN
          "id IN (1, NULL, 150)",
          "id IN (NULL)",
          "id NOT IN (1, 2, 3)",
          "NOT (id IN (1, NULL))",
          "name IN ('name-1', NULL)",
          // strings
          "name LIKE 'name-1%'",
          "name LIKE '%-19'",
          "name LIKE '%me-1%'",
          "upper(name) = 'NAME-5'",
          "startswith(name, 'name-19')",
          "length(name) = 7",
          // casts and arithmetic on columns
          "CAST(id AS STRING) = '17'",
          "CAST(n AS BIGINT) > 190",
          "id + 1 = 18",
          "n > 190",
          "n <=> NULL",
          "n <=> 17",
          // NOT, OR across partition and data columns, mixed with unpushable parts
          "NOT (id > 10)",
          "NOT (part = 0 AND id > 10)",
          "part = 0 OR id > 190",
          "part = 1 OR m IS NULL",
          "(id < 10 AND m IS NOT NULL) OR id > 195",
          "(id < 10 OR s.x > 190) AND arr IS NOT NULL",
          "NOT (id < 100 AND m IS NULL)",
          "part IS NULL",
          "part IS NOT NULL AND id = 3",
          // floating point with NaN
          "d > 50.0",
          "d < 1.0",
          "d = CAST('NaN' AS DOUBLE)",
          "isnan(d)",
          "d <> 2.0",
          // literals of other types than the column
          "id = 17.0",
          "n = 17L",
          "id > '150'");

  @Test
  void everyShapeReturnsDeltaSparksRows() {
    for (String filter : FILTERS) {
      assertSameAnswer(
          TestSpark.readOracle(table, OptionalLong.empty()).where(filter),
          TestSpark.readUnderTest(table, OptionalLong.empty()).where(filter),
          "filter " + filter);
      assertSameAnswer(
          TestSpark.readOracle(table, OptionalLong.empty()).where(filter).select("id", "s"),
          TestSpark.readUnderTest(table, OptionalLong.empty()).where(filter).select("id", "s"),
          "projection with filter " + filter);
    }
  }

  /** A usable part of a filter still skips: the map test is dropped, the id range kept. */
  @Test
  void theUsablePartOfAFilterStillSkipsFiles() {
    String filter = "id < 15 AND m['k'] = 3";
    Set<String> actual =
        CountingFileSystem.dataFilesReadBy(TestSpark.FORMAT_UNDER_TEST, table, filter);
    Set<String> expected = CountingFileSystem.dataFilesReadBy("delta", table, filter);
    assertEquals(expected, actual, "data files read with filter " + filter);
    assertTrue(actual.size() <= 2, "the id range keeps the first range's files: " + actual);
    if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      String explain =
          TestSpark.readUnderTest(table, OptionalLong.empty())
              .where("(id < 15 AND m IS NOT NULL) OR id > 195")
              .queryExecution()
              .executedPlan()
              .toString();
      assertTrue(explain.contains("\"op\":\"Or\""), explain);
      assertTrue(!explain.contains("\"m\""), "no predicate on the map column: " + explain);
    }
  }
}
