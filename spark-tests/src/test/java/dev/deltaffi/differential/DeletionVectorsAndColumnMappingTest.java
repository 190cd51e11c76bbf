package dev.deltaffi.differential;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletion vectors and column mapping: tables written by delta-spark, read by delta-spark (the
 * oracle) and by the format under test, with the same schema and rows at every version.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class DeletionVectorsAndColumnMappingTest {

  @TempDir static Path dir;

  /**
   * Versions: 0 create (3 files per partition), 1 DELETE, 2 UPDATE, 3 MERGE, 4 DELETE again (a
   * file's deletion vector replaced by a larger one); every version but 0 adds deletion vectors.
   */
  @Test
  void deleteUpdateMergeWithDeletionVectors() throws IOException {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("dvs").toString();
    spark
        .range(0, 300)
        .selectExpr("id", "concat('label-', id) AS label", "CAST(id % 3 AS INT) AS part")
        .repartition(3)
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "true")
        .save(table);
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 7 = 0");
    spark.sql("UPDATE delta.`" + table + "` SET label = upper(label) WHERE id % 5 = 0");
    spark
        .range(250, 320)
        .selectExpr("id", "concat('merged-', id) AS label", "CAST(id % 3 AS INT) AS part")
        .createOrReplaceTempView("merge_source");
    spark.sql(
        "MERGE INTO delta.`"
            + table
            + "` t USING merge_source s ON t.id = s.id"
            + " WHEN MATCHED AND s.id % 2 = 0 THEN DELETE"
            + " WHEN MATCHED THEN UPDATE SET t.label = s.label"
            + " WHEN NOT MATCHED THEN INSERT *");
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 11 = 0");
    for (int version = 1; version <= 4; version++) {
      assertTrue(hasDeletionVector(table, version), "version " + version + " should add a DV file");
    }
    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("id"),
        df -> df.filter("part = 1").select("label", "id"),
        df -> df.filter("id > 100 AND part <> 2"));
    for (long version = 0; version <= 4; version++) {
      assertSameReads(
          table, OptionalLong.of(version), df -> df, df -> df.filter("part = 2").select("id"));
    }
  }

  /** Deletion vectors on an unpartitioned table whose rows are read column by column otherwise. */
  @Test
  void deletionVectorsOnManyRowGroupsAndTypes() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("dvs-types").toString();
    spark
        .range(0, 5000)
        .selectExpr(
            "id",
            "CAST(id AS INT) AS i",
            "IF(id % 9 = 0, NULL, concat('s', id)) AS s",
            "named_struct('a', id, 'b', array(id, id + 1)) AS st",
            "map('k', id) AS m")
        .repartition(2)
        .write()
        .format("delta")
        .option("delta.enableDeletionVectors", "true")
        .option("parquet.block.size", "4096")
        .save(table);
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 13 = 0 OR id BETWEEN 1000 AND 1999");
    assertTrue(hasDeletionVector(table, 1), "the DELETE should add deletion vectors");
    assertSameReads(
        table, OptionalLong.empty(), df -> df, df -> df.select("st", "m"), df -> df.select("s"));
  }

  /** Name mode: renames (top-level, nested, partition column), a drop, and appends after them. */
  @Test
  void columnMappingNameModeRenameAndDrop() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("cm-name").toString();
    mappedRows(spark, 0, 60)
        .write()
        .format("delta")
        .partitionBy("region")
        .option("delta.columnMapping.mode", "name")
        .option("delta.minReaderVersion", "2")
        .option("delta.minWriterVersion", "5")
        .option("delta.enableDeletionVectors", "false")
        .save(table);
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN value TO amount");
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN info.x TO x_renamed");
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN region TO area");
    spark.sql("ALTER TABLE delta.`" + table + "` DROP COLUMN dropped");
    spark.sql(
        "INSERT INTO delta.`"
            + table
            + "` SELECT id, concat('v', id), named_struct('x_renamed', id, 'y', 'new'),"
            + " array(named_struct('p', id)), 'new-area' FROM range(60, 70)");
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (dropped STRING)");
    spark.sql(
        "INSERT INTO delta.`"
            + table
            + "` SELECT id, 'w', named_struct('x_renamed', id, 'y', 'z'),"
            + " array(), 'eu', 'back' FROM range(70, 75)");
    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("amount", "area"),
        df -> df.select("info.x_renamed", "list"),
        df -> df.filter("area = 'eu'").select("id", "dropped"));
    for (long version = 0; version <= 7; version++) {
      assertSameReads(table, OptionalLong.of(version), df -> df);
    }
  }

  /** Id mode with a rename, nested structs and partitions. */
  @Test
  void columnMappingIdMode() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("cm-id").toString();
    mappedRows(spark, 0, 40)
        .write()
        .format("delta")
        .partitionBy("region")
        .option("delta.columnMapping.mode", "id")
        .option("delta.minReaderVersion", "2")
        .option("delta.minWriterVersion", "5")
        .option("delta.enableDeletionVectors", "false")
        .save(table);
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN info TO details");
    spark.sql("ALTER TABLE delta.`" + table + "` DROP COLUMN value");
    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df,
        df -> df.select("details.y", "region"),
        df -> df.filter("region = 'us'"));
    assertSameReads(table, OptionalLong.of(0), df -> df);
  }

  /**
   * Id mode matches data columns by Parquet field id, not by name: after the log's physical name of
   * a column is changed (its id kept), the files' column of that id is still the column's data.
   */
  @Test
  void columnMappingIdModeReadsByFieldId() throws IOException {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("cm-id-field-ids").toString();
    spark
        .range(0, 30)
        .selectExpr("id", "concat('v', id) AS value")
        .write()
        .format("delta")
        .option("delta.columnMapping.mode", "id")
        .option("delta.minReaderVersion", "2")
        .option("delta.minWriterVersion", "5")
        .save(table);
    Path logDir = Path.of(table, "_delta_log");
    String commit = Files.readString(logDir.resolve(String.format("%020d.json", 0)));
    java.util.regex.Matcher physical =
        java.util.regex.Pattern.compile("col-[0-9a-f-]{36}").matcher(commit);
    assertTrue(physical.find(), "id mode gives columns physical names: " + commit);
    // The commit and its version checksum (both carry the schema); Hadoop's checksum sidecars of
    // the rewritten files would no longer match, so they go.
    for (String name :
        new String[] {String.format("%020d.json", 0), String.format("%020d.crc", 0)}) {
      Path file = logDir.resolve(name);
      if (Files.exists(file)) {
        Files.writeString(
            file, Files.readString(file).replace(physical.group(), "no-such-column-in-the-files"));
        Files.deleteIfExists(logDir.resolve("." + name + ".crc"));
      }
    }
    assertSameReads(table, OptionalLong.empty(), df -> df);
  }

  /** Column mapping and deletion vectors together. */
  @Test
  void columnMappingWithDeletionVectors() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("cm-dvs").toString();
    mappedRows(spark, 0, 200)
        .repartition(2)
        .write()
        .format("delta")
        .partitionBy("region")
        .option("delta.columnMapping.mode", "name")
        .option("delta.enableDeletionVectors", "true")
        .save(table);
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN value TO v2");
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 4 = 1");
    assertTrue(hasDeletionVector(table, 2), "the DELETE should add deletion vectors");
    assertSameReads(
        table, OptionalLong.empty(), df -> df, df -> df.select("v2", "info").filter("id > 50"));
  }

  private static Dataset<Row> mappedRows(SparkSession spark, long from, long to) {
    return spark
        .range(from, to)
        .selectExpr(
            "id",
            "concat('v', id) AS value",
            "IF(id % 4 = 0, NULL, named_struct('x', id, 'y', concat('y', id))) AS info",
            "array(named_struct('p', id), named_struct('p', id + 1)) AS list",
            "element_at(array('eu', 'us', NULL), CAST(id % 3 + 1 AS INT)) AS region",
            "concat('d', id) AS dropped");
  }

  /** Whether commit {@code version} adds a file with a deletion vector. */
  private static boolean hasDeletionVector(String table, long version) {
    Path commit = Path.of(table, "_delta_log", String.format("%020d.json", version));
    try (Stream<String> lines = Files.lines(commit)) {
      return lines.anyMatch(
          line -> line.startsWith("{\"add\"") && line.contains("\"deletionVector\":{"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
