package dev.deltaffi.pushdown;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.io.CountingFileSystem;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Filters pushed to the kernel: the rows equal delta-spark's for every operator, and a selective
 * filter makes the kernel select exactly the data files delta-spark's own skipping reads.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class FilterPushdownTest {

  @TempDir static Path dir;

  private static String table;

  /** 400 rows sorted by {@code id} into 20 ranges, each split by {@code part}: 40 small files. */
  @BeforeAll
  static void writeTable() {
    SparkSession spark = TestSpark.session();
    table = dir.resolve("sorted").toString();
    spark
        .range(0, 400)
        .selectExpr(
            "id",
            "CAST(id % 2 AS INT) AS part",
            "IF(id % 9 = 0, NULL, concat('row-', lpad(CAST(id AS STRING), 3, '0'))) AS name",
            "CAST(id AS INT) AS i",
            "CAST(id * 1.25 AS DECIMAL(10, 2)) AS amount",
            "id * 0.5D AS d",
            "date_add(DATE'2024-01-01', CAST(id AS INT)) AS day",
            "timestamp_seconds(1700000000 + id * 3600) AS ts",
            "named_struct('x', id, 'y', concat('n', id)) AS nested")
        .repartitionByRange(20, functions.col("id"))
        .sortWithinPartitions("id")
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "false")
        .save(table);
  }

  private static final List<String> FILTERS =
      List.of(
          "id = 17",
          "17 = id",
          "id <> 17",
          "id < 50",
          "id <= 50",
          "id > 350",
          "50 > id",
          "id >= 350",
          "id <=> 17",
          "name IS NULL",
          "name IS NOT NULL",
          "id IN (3, 200, 399)",
          "name IN ('row-003', 'row-250')",
          "part = 1",
          "part = 1 AND id < 100",
          "part = 0 OR id < 10",
          "id < 20 OR id > 380",
          "NOT (id < 200)",
          "NOT (id = 5 OR part = 1)",
          "name LIKE 'row-1%'",
          "name LIKE 'row-39%' AND part = 0",
          "i BETWEEN 100 AND 120",
          "amount > 400.5",
          "amount = 12.50",
          "d < 10.0",
          "day >= DATE'2024-12-01'",
          "ts < TIMESTAMP'2023-11-16 00:00:00'",
          "nested.x > 390",
          "nested.y = 'n5'",
          "id = 17 AND name = 'row-017'",
          "id > 1000",
          "name > 'row-3' AND name < 'row-31'");

  @Test
  void everyFilterReturnsDeltaSparksRows() {
    for (String filter : FILTERS) {
      assertSameAnswer(
          TestSpark.readOracle(table, OptionalLong.empty()).where(filter),
          TestSpark.readUnderTest(table, OptionalLong.empty()).where(filter),
          "filter " + filter);
    }
  }

  @Test
  void selectiveFiltersReadExactlyTheFilesDeltaSparkReads() {
    for (String filter : List.of("id < 30", "id >= 385 AND part = 1", "name LIKE 'row-10%'")) {
      Set<String> expected = CountingFileSystem.dataFilesReadBy("delta", table, filter);
      Set<String> actual =
          CountingFileSystem.dataFilesReadBy(TestSpark.FORMAT_UNDER_TEST, table, filter);
      assertEquals(expected, actual, "data files read with filter " + filter);
      assertTrue(expected.size() < 10, "delta-spark skips files with " + filter + ": " + expected);
      if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
        Dataset<Row> df = TestSpark.readUnderTest(table, OptionalLong.empty()).where(filter);
        assertEquals(expected, planned(df), "files in the planned scan with filter " + filter);
      }
    }
  }

  /**
   * delta-spark skips an IN by the range of its values; the kernel sees an OR of equalities and
   * skips at least as much.
   */
  @Test
  void inSkipsAtLeastWhatDeltaSparkSkips() {
    String filter = "id IN (5, 211)";
    Set<String> expected = CountingFileSystem.dataFilesReadBy("delta", table, filter);
    Set<String> actual =
        CountingFileSystem.dataFilesReadBy(TestSpark.FORMAT_UNDER_TEST, table, filter);
    assertTrue(expected.containsAll(actual), expected + " does not contain " + actual);
    assertEquals(4, actual.size(), "two ranges, each in both partitions: " + actual);
  }

  @Test
  void explainShowsTheKernelPredicate() {
    Dataset<Row> df =
        TestSpark.readUnderTest(table, OptionalLong.empty()).where("id < 30 AND part = 1");
    String explain = df.queryExecution().executedPlan().toString();
    assertTrue(explain.contains("kernelPredicate={\"Junction\":{\"op\":\"And\""), explain);
    assertTrue(
        explain.contains(
            "{\"Binary\":{\"op\":\"LessThan\",\"left\":{\"Column\":{\"path\":[\"id\"]}},"
                + "\"right\":{\"Literal\":{\"Long\":30}}}}"),
        explain);
    assertTrue(explain.contains(Placement.filesSelected(2, 40)), explain);
    String unfiltered =
        TestSpark.readUnderTest(table, OptionalLong.empty())
            .queryExecution()
            .executedPlan()
            .toString();
    assertTrue(unfiltered.contains(Placement.filesSelected(40, 40)), unfiltered);
    assertTrue(unfiltered.contains("kernelPredicate=none"), unfiltered);
  }

  /** Data file names in the input partitions of delta-ffi's planned scan. */
  private static Set<String> planned(Dataset<Row> df) {
    Set<String> files = new TreeSet<>();
    for (SparkPlan leaf :
        CollectionConverters.asJava(df.queryExecution().executedPlan().collectLeaves())) {
      if (leaf instanceof BatchScanExec scan) {
        for (InputPartition partition : CollectionConverters.asJava(scan.inputPartitions())) {
          for (PartitionedFile file : ((FilePartition) partition).files()) {
            String path = file.urlEncodedPath();
            files.add(path.substring(path.lastIndexOf('/') + 1));
          }
        }
      }
    }
    return files;
  }
}
