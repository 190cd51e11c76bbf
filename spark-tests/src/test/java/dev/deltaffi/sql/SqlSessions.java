package dev.deltaffi.sql;

import dev.deltaffi.testing.TestSpark;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The two session setups delta-ffi's SQL must work in: beside delta-spark's extension and {@code
 * DeltaCatalog} (the test JVM's session), and plain (Spark's own session catalog).
 */
enum SqlSessions {
  WITH_DELTA_CATALOG,
  PLAIN;

  private static SparkSession plain;

  static Stream<SqlSessions> both() {
    return Stream.of(values());
  }

  synchronized SparkSession session() {
    if (this == WITH_DELTA_CATALOG) {
      return TestSpark.session();
    }
    if (plain == null) {
      plain = TestSpark.session().newSession();
      plain.conf().set("spark.sql.catalog.spark_catalog", "builtin");
    }
    return plain;
  }

  /** The statement's answer, as a DataFrame of the test JVM's session (to compare with oracles). */
  Dataset<Row> sql(String statement) {
    Dataset<Row> answer = session().sql(statement);
    return this == WITH_DELTA_CATALOG
        ? answer
        : TestSpark.session().createDataFrame(answer.collectAsList(), answer.schema());
  }
}
