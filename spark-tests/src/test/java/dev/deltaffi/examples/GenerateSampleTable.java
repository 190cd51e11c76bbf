package dev.deltaffi.examples;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes {@code examples/sample-table} with delta-spark: a small Delta table partitioned by {@code
 * country}, built over three commits so that time travel has something to show.
 *
 * <ul>
 *   <li>version 0: insert ids 1..24 (creates the table, deletion vectors disabled)
 *   <li>version 1: insert ids 25..36
 *   <li>version 2: {@code DELETE WHERE id % 5 = 0} (rewrites files: no deletion vectors)
 * </ul>
 *
 * <p>Usage: {@code bin/generate-sample-table [path]}. The data is deterministic; file names and
 * commit timestamps are not.
 */
public final class GenerateSampleTable {
  private static final String[] COUNTRIES = {"DE", "FR", "US"};
  private static final String[] NAMES = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"
  };

  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("name", DataTypes.StringType, true)
          .add("amount", DataTypes.createDecimalType(10, 2), true)
          .add("day", DataTypes.DateType, true)
          .add("country", DataTypes.StringType, true);

  private GenerateSampleTable() {}

  public static void main(String[] args) throws IOException {
    Path table = Paths.get(args.length > 0 ? args[0] : "examples/sample-table").toAbsolutePath();
    deleteRecursively(table);

    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("delta-ffi GenerateSampleTable")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.datetime.java8API.enabled", "true")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      String location = table.toUri().toString();

      // Version 0: creates the table. "delta."-prefixed writer options become table properties.
      rows(spark, 1, 24)
          .write()
          .format("delta")
          .mode("errorifexists")
          .partitionBy("country")
          .option("delta.enableDeletionVectors", "false")
          .save(location);

      // Version 1.
      rows(spark, 25, 36).write().format("delta").mode("append").save(location);

      // Version 2: delete by predicate; without deletion vectors this rewrites the touched files.
      spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 5 = 0");

      spark
          .sql("DESCRIBE HISTORY delta.`" + table + "`")
          .select("version", "operation", "operationParameters")
          .show(false);
      spark.sql("SHOW TBLPROPERTIES delta.`" + table + "`").show(false);
      Dataset<Row> result = spark.read().format("delta").load(location);
      System.out.println("Wrote " + table + ": " + result.count() + " live rows");
    } finally {
      spark.stop();
    }
  }

  /** Rows with ids {@code from..to} (inclusive), one file per partition. */
  private static Dataset<Row> rows(SparkSession spark, int from, int to) {
    List<Row> rows = new ArrayList<>();
    LocalDate start = LocalDate.of(2024, 1, 1);
    for (int id = from; id <= to; id++) {
      String name = id % 7 == 3 ? null : NAMES[id % NAMES.length];
      BigDecimal amount = id % 11 == 4 ? null : BigDecimal.valueOf(id * 1234L + 5, 2);
      LocalDate day = start.plusDays(id * 3L);
      String country = COUNTRIES[id % COUNTRIES.length];
      rows.add(RowFactory.create((long) id, name, amount, day, country));
    }
    return spark.createDataFrame(rows, SCHEMA).coalesce(1);
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
