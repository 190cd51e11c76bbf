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
