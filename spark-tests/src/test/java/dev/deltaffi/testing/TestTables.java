package dev.deltaffi.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Delta tables written by delta-spark for the tests. */
public final class TestTables {

  private TestTables() {}

  /**
   * Writes a table partitioned by {@code part} with {@code commits} commits of 10 rows each
   * (versions 0 to commits - 1), a checkpoint every second version and no deletion vectors.
   */
  public static String writeSmall(Path dir, int commits) {
    String location = dir.toString();
    for (int version = 0; version < commits; version++) {
      rows(version * 10L, 10)
          .write()
          .format("delta")
          .mode(version == 0 ? "errorifexists" : "append")
          .partitionBy("part")
          .option("delta.checkpointInterval", "2")
          .option("delta.enableDeletionVectors", "false")
          .save(location);
    }
    return location;
  }

  /**
   * Writes a table of columns {@code id}, {@code v} and {@code p} with SQL: version 0 creates it
   * with {@code properties} (TBLPROPERTIES) and {@code partitionBy}, then 1 inserts, 2 updates, 3
   * deletes, 4 merges (updates and inserts).
   */
  public static void writeChangeHistory(String table, String properties, String partitionBy) {
    SparkSession spark = TestSpark.session();
    spark.sql(
        "CREATE TABLE delta.`"
            + table
            + "` (id BIGINT, v STRING, p INT) USING delta "
            + partitionBy
            + " TBLPROPERTIES ("
            + properties
            + ")");
    spark.sql(
        "INSERT INTO delta.`"
            + table
            + "` SELECT id, concat('v', id), CAST(id % 3 AS INT) FROM range(0, 30)");
    spark.sql("UPDATE delta.`" + table + "` SET v = 'updated' WHERE id % 4 = 0");
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 5 = 1");
    spark.sql(
        "MERGE INTO delta.`"
            + table
            + "` t USING (SELECT id, concat('m', id) AS v, CAST(id % 3 AS INT) AS p FROM"
            + " range(25, 35)) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT"
            + " MATCHED THEN INSERT *");
  }

  /**
   * Writes a table of 100 rows in one file, then deletes a third of them with a deletion vector
   * (one deletion vector file).
   */
  public static Path writeWithDeletionVectors(Path dir) {
    String location = dir.toString();
    rows(0, 100)
        .repartition(1)
        .write()
        .format("delta")
        .option("delta.enableDeletionVectors", "true")
        .save(location);
    TestSpark.session().sql("DELETE FROM delta.`" + location + "` WHERE id % 3 = 0");
    return dir;
  }

  /**
   * Appends {@code count} rows from id {@code from} to a table {@link #writeSmall} wrote, as one
   * commit.
   */
  public static void append(String table, long from, long count) {
    rows(from, count).write().format("delta").mode("append").save(table);
  }

  /** Copies a table folder, leaving out the files {@code skip} names (by file name). */
  public static Path copy(Path from, Path to, Predicate<String> skip) throws IOException {
    Files.createDirectories(to.getParent());
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (!skip.test(file.getFileName().toString())) {
          Files.copy(file, to.resolve(from.relativize(file).toString()));
        }
      }
    }
    return to;
  }

  private static Dataset<Row> rows(long from, long count) {
    SparkSession spark = TestSpark.session();
    return spark
        .range(from, from + count)
        .selectExpr(
            "id",
            "concat('row-', id) AS name",
            "CAST(id * 1.25 AS DECIMAL(10, 2)) AS amount",
            "CAST(id % 3 AS INT) AS part")
        .repartition(2);
  }
}
