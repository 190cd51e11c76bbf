package dev.deltaffi.differential;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Type widening: columns widened by ALTER TABLE after files were written, so old files hold the
 * narrow types and new ones the wide; read at every version, with a filter on a widened column.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class TypeWideningTest {

  @TempDir static Path dir;

  @Test
  void widenedColumnsReadFromOldAndNewFiles() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("widened").toString();
    String path = "delta.`" + table + "`";
    spark.sql(
        "CREATE TABLE "
            + path
            + " (id INT, b BYTE, s SHORT, i INT, f FLOAT, d DECIMAL(5, 2), dt DATE, p SHORT)"
            + " USING delta PARTITIONED BY (p) TBLPROPERTIES ('delta.enableTypeWidening' = 'true',"
            + " 'delta.feature.timestampNtz' = 'supported')");
    spark.sql(
        "INSERT INTO "
            + path
            + " VALUES (1, 1, 100, 100000, 1.5, 123.45, DATE'2024-01-02', 7),"
            + " (2, -128, -32768, -2147483648, -0.25, -999.99, DATE'1999-12-31', 8),"
            + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
    for (String change :
        new String[] {
          "b TYPE SHORT",
          "s TYPE INT",
          "i TYPE BIGINT",
          "f TYPE DOUBLE",
          "d TYPE DECIMAL(12, 4)",
          "dt TYPE TIMESTAMP_NTZ",
          "p TYPE INT"
        }) {
      spark.sql("ALTER TABLE " + path + " ALTER COLUMN " + change);
    }
    spark.sql(
        "INSERT INTO "
            + path
            + " VALUES (4, 30000, 2000000000, 9000000000, 1e300, 12345678.1234,"
            + " TIMESTAMP_NTZ'2025-06-07 08:09:10', 100000)");
    UnaryOperator<Dataset<Row>> all = df -> df;
    for (long version = 0; version <= 9; version++) {
      assertSameReads(table, OptionalLong.of(version), all);
    }
    assertSameReads(
        table,
        OptionalLong.empty(),
        all,
        df -> df.filter("i > 1000").select("id", "i", "d"),
        df -> df.filter("p = 100000 OR b = 1").select("id", "p", "dt"));
  }
}
