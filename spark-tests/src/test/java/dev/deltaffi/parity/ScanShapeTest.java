package dev.deltaffi.parity;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.spark.DeltaFfiScan;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.PhysicalPlans;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.execution.joins.BroadcastHashJoinExec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * How Spark runs a delta-ffi scan, as delta-spark's: tables with deletion vectors and reads of
 * {@code _metadata} stay columnar (Spark's vectorized Parquet reader feeds batches, deleted rows
 * left out by a selection), and the scan reports its size so the optimizer can broadcast a small
 * table in a join.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class ScanShapeTest {

  private static final String BATCH_SIZE = "spark.sql.parquet.columnarReaderBatchSize";

  @TempDir static Path dir;

  @AfterEach
  void resetBatchSize() {
    TestSpark.session().conf().unset(BATCH_SIZE);
  }

  /**
   * Small batches, so that some batches lose a few rows, some none, and some all of them (a deleted
   * range longer than a batch).
   */
  @Test
  void deletionVectorsAndMetadataKeepColumnarBatches() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("dvs").toString();
    spark
        .range(0, 20_000)
        .selectExpr(
            "id",
            "CAST(id % 4 AS INT) AS part",
            "IF(id % 10 = 0, NULL, concat('v', id)) AS value",
            "named_struct('a', id, 'b', array(id, id + 1)) AS st")
        .repartition(2)
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "true")
        .option("delta.enableRowTracking", "true")
        .save(table);
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id BETWEEN 3000 AND 9999 OR id % 7 = 0");
    spark.sql("UPDATE delta.`" + table + "` SET value = 'updated' WHERE id % 11 = 0");
    spark.conf().set(BATCH_SIZE, "256");

    for (Dataset<Row> read :
        List.of(
            TestSpark.readUnderTest(table, OptionalLong.empty()),
            TestSpark.readUnderTest(table, OptionalLong.empty())
                .select("id", "_metadata.row_index", "_metadata.row_id", "_metadata.file_name"))) {
      read.collect();
      BatchScanExec scan = PhysicalPlans.only(executed(read), BatchScanExec.class);
      assertTrue(scan.scan() instanceof DeltaFfiScan, scan.toString());
      assertTrue(scan.supportsColumnar(), "the scan should produce columnar batches");
      assertEquals(
          1,
          PhysicalPlans.all(executed(read), ColumnarToRowExec.class).size(),
          read.queryExecution().toString());
    }
    Dataset<Row> oracle = TestSpark.readOracle(table, OptionalLong.empty());
    oracle.collect();
    assertTrue(
        PhysicalPlans.only(executed(oracle), FileSourceScanExec.class).supportsColumnar(),
        "delta-spark reads this table columnar too");

    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("st", "id").filter("part = 1"),
        df -> df.select("id", "_metadata"),
        df -> df.select("_metadata.row_commit_version", "value", "_metadata.row_index"),
        df -> df.filter("_metadata.row_id % 3 = 0").select("id"));
  }

  /** The optimizer sees the scan's size: a small table is broadcast in a join, as delta-spark's. */
  @Test
  void reportsItsSizeForJoinPlanning() {
    SparkSession spark = TestSpark.session();
    String small = dir.resolve("small").toString();
    spark
        .range(0, 100)
        .selectExpr("id", "concat('n', id) AS name")
        .write()
        .format("delta")
        .save(small);
    Dataset<Row> big = spark.range(0, 1_000_000).selectExpr("id", "id % 100 AS key");

    for (Dataset<Row> lookup :
        List.of(
            TestSpark.readUnderTest(small, OptionalLong.empty()),
            TestSpark.readOracle(small, OptionalLong.empty()))) {
      Dataset<Row> joined = big.join(lookup, big.col("key").equalTo(lookup.col("id")));
      SparkPlan planned = joined.queryExecution().sparkPlan();
      assertEquals(
          1, PhysicalPlans.all(planned, BroadcastHashJoinExec.class).size(), planned.toString());
      long size = lookup.queryExecution().optimizedPlan().stats().sizeInBytes().longValue();
      assertTrue(size > 0 && size < 1_000_000, "size " + size);
    }
  }

  private static SparkPlan executed(Dataset<Row> df) {
    return df.queryExecution().executedPlan();
  }
}
