package dev.deltaffi.differential;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hidden {@code _metadata} column (and {@code input_file_name()}): each field, the whole
 * struct, and filters on it, compared with delta-spark's, on tables whose files have deletion
 * vectors (row indexes count deleted rows) and column mapping.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class MetadataColumnsTest {

  @TempDir static Path dir;

  @Test
  void metadataOfPartitionedTableWithDeletionVectors() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("dvs").toString();
    spark
        .range(0, 3000)
        .selectExpr("id", "CAST(id % 3 AS INT) AS part", "concat('v', id) AS value")
        .repartition(2)
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "true")
        .save(table);
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 7 = 0");
    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df.select("id", "_metadata"),
        df ->
            df.select(
                "_metadata.row_index",
                "_metadata.file_name",
                "id",
                "_metadata.file_path",
                "_metadata.file_size",
                "_metadata.file_modification_time"),
        df -> df.filter("_metadata.row_index < 5").select("id", "part", "_metadata.file_name"),
        df -> df.groupBy("_metadata.file_path").count(),
        df -> df.select(input_file_name(), col("id")),
        df -> df.groupBy(input_file_name()).count());
    assertSameReads(table, OptionalLong.of(0), df -> df.select("id", "_metadata"));
  }

  @Test
  void metadataUnderColumnMappingWithoutRowIndex() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("cm").toString();
    spark
        .range(0, 100)
        .selectExpr("id", "concat('v', id) AS value")
        .write()
        .format("delta")
        .option("delta.columnMapping.mode", "name")
        .save(table);
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN value TO renamed");
    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df.select("renamed", "_metadata.file_name", "_metadata.file_block_start"),
        df -> df.select("_metadata.file_path").distinct());
  }

  /**
   * Row tracking: ids and commit versions from the files' base row ids and default versions, and
   * the values UPDATE and MERGE materialize in the data files, at every version.
   */
  @Test
  void rowTrackingIdsAndCommitVersions() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("row-tracking").toString();
    spark
        .range(0, 40)
        .selectExpr("id", "concat('v', id) AS value")
        .repartition(2)
        .write()
        .format("delta")
        .option("delta.enableRowTracking", "true")
        .option("delta.enableDeletionVectors", "true")
        .save(table);
    spark
        .range(40, 50)
        .selectExpr("id", "'appended' AS value")
        .write()
        .format("delta")
        .mode("append")
        .save(table);
    spark.sql("UPDATE delta.`" + table + "` SET value = 'updated' WHERE id % 6 = 0");
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 9 = 4");
    for (long version = 0; version <= 3; version++) {
      assertSameReads(
          table,
          OptionalLong.of(version),
          df -> df.select("id", "value", "_metadata"),
          df -> df.select("_metadata.row_commit_version", "id", "_metadata.row_id"),
          df -> df.filter("_metadata.row_id > 20").select("id"));
    }
  }

  /** A table with a real column named {@code _metadata} keeps it; no hidden column shadows it. */
  @Test
  void dataColumnNamedMetadataWins() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("named").toString();
    spark.range(0, 10).selectExpr("id", "id * 2 AS _metadata").write().format("delta").save(table);
    Dataset<Row> read = TestSpark.readUnderTest(table, OptionalLong.empty());
    assertEquals(90L, read.selectExpr("sum(_metadata)").first().getLong(0));
    assertSameReads(table, OptionalLong.empty(), df -> df.select("id", "_metadata"));
  }
}
