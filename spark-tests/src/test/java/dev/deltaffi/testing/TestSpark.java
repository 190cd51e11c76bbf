package dev.deltaffi.testing;

import dev.deltaffi.faults.SlowLogFileSystem;
import dev.deltaffi.io.CountingFileSystem;
import java.util.OptionalLong;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The one local SparkSession of the test JVM, with delta-spark as the oracle. */
public final class TestSpark {

  /**
   * The format under test. Setting {@code -Ddeltaffi.read.format=delta} runs every suite against
   * delta-spark itself, which checks the harness (expectations, comparisons) independently of
   * delta-ffi.
   */
  public static final String FORMAT_UNDER_TEST =
      System.getProperty("deltaffi.read.format", "delta-ffi");

  private static SparkSession spark;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("delta-ffi tests")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              // delta-spark rebuilds snapshot state in 50 partitions by default: slow on 2 cores.
              .config("spark.databricks.delta.snapshotPartitions", "2")
              // delta-ffi's SQL beside delta-spark's, as users migrating run them.
              .config(
                  "spark.sql.extensions",
                  "io.delta.sql.DeltaSparkSessionExtension,"
                      + "dev.deltaffi.spark.DeltaFfiSparkSessionExtensions")
              .config(
                  "spark.sql.catalog.spark_catalog",
                  "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              .config(
                  "spark.hadoop.fs." + CountingFileSystem.SCHEME + ".impl",
                  CountingFileSystem.class.getName())
              .config(
                  "spark.hadoop.fs." + SlowLogFileSystem.SCHEME + ".impl",
                  SlowLogFileSystem.class.getName())
              .getOrCreate();
      Placement.ofThisRun().applyTo(spark);
    }
    return spark;
  }

  /** Reads a table with the format under test, at a version or (empty) the latest. */
  public static Dataset<Row> readUnderTest(String location, OptionalLong version) {
    return reader(FORMAT_UNDER_TEST, version).load(location);
  }

  /** Reads a table with delta-spark, the oracle. */
  public static Dataset<Row> readOracle(String location, OptionalLong version) {
    return reader("delta", version).load(location);
  }

  private static DataFrameReader reader(String format, OptionalLong version) {
    DataFrameReader reader = session().read().format(format);
    if (version.isPresent()) {
      reader = reader.option("versionAsOf", version.getAsLong());
    }
    return reader;
  }
}
