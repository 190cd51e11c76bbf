package dev.deltaffi.plan;

import org.apache.spark.sql.SparkSession;

/** The local Spark session a test class shares (UTC session time zone, no UI). */
final class SparkTestSession {

  private SparkTestSession() {}

  static SparkSession start() {
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("delta-ffi plan tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    return spark;
  }
}
