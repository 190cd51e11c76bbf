package dev.deltaffi.sql;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.spark.DeltaFfiScan;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL on paths through delta-ffi's session extension, in a session that also has delta-spark's
 * extension and {@code DeltaCatalog}: each statement's answer equals the same statement on {@code
 * delta.`path`}, and the delta-ffi one is planned as a delta-ffi scan.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class SqlOnPathsTest {

  @TempDir static Path dir;
  private static String table;

  @BeforeAll
  static void writeTable() {
    table = TestTables.writeSmall(dir.resolve("three-commits"), 3);
  }

  @Test
  void selectsFromAPath() {
    assertSameSql(from -> "SELECT * FROM " + from);
    assertSameSql(from -> "SELECT id, count(*) AS n FROM " + from + " WHERE id > 3 GROUP BY id");
    assertSameSql(
        from -> "SELECT t.id FROM " + from + " t WHERE t.id IN (SELECT max(id) FROM " + from + ")");
    Dataset<Row> ffi = TestSpark.session().sql("SELECT * FROM `delta-ffi`.`" + table + "`");
    assertTrue(
        ffi.queryExecution()
            .optimizedPlan()
            .collectLeaves()
            .forall(
                leaf ->
                    leaf instanceof DataSourceV2ScanRelation scan
                        && scan.scan() instanceof DeltaFfiScan),
        ffi.queryExecution().optimizedPlan().toString());
  }

  @Test
  void timeTravelsByPathSuffixAndClause() {
    // delta-spark's SQL takes no @v suffix: its VERSION AS OF is the oracle.
    SparkSession spark = TestSpark.session();
    assertSameAnswer(
        spark.sql("SELECT * FROM delta.`" + table + "` VERSION AS OF 1"),
        spark.sql("SELECT * FROM `delta-ffi`.`" + table + "@v1`"),
        "@v1");
    assertSameSql(from -> "SELECT * FROM " + from + " VERSION AS OF 0");
    Timestamp second =
        TestSpark.session()
            .sql("DESCRIBE HISTORY delta.`" + table + "`")
            .where("version = 1")
            .first()
            .getTimestamp(1);
    assertSameSql(from -> "SELECT * FROM " + from + " TIMESTAMP AS OF '" + second + "'");
    // delta-spark's SQL on paths refuses a cast here: its string form is the oracle.
    assertSameAnswer(
        spark.sql("SELECT * FROM delta.`" + table + "` TIMESTAMP AS OF '" + second + "'"),
        spark.sql(
            "SELECT * FROM `delta-ffi`.`"
                + table
                + "` TIMESTAMP AS OF CAST('"
                + second
                + "' AS TIMESTAMP)"),
        "TIMESTAMP AS OF CAST");
  }

  @Test
  void aPathWithoutATableFailsAsASparkError() {
    SparkSession spark = TestSpark.session();
    AnalysisException e =
        assertThrows(
            AnalysisException.class,
            () -> spark.sql("SELECT * FROM `delta-ffi`.`" + dir.resolve("nothing") + "`"));
    assertEquals("DELTA_FFI_NOT_A_DELTA_TABLE", e.getCondition());
    AnalysisException notConstant =
        assertThrows(
            AnalysisException.class,
            () ->
                spark.sql(
                    "SELECT * FROM `delta-ffi`.`"
                        + table
                        + "` TIMESTAMP AS OF current_date() - 1"));
    assertEquals("DELTA_FFI_INVALID_OPTION", notConstant.getCondition());
  }

  @Test
  void writesToAPathAreRefusedAsReadOnly() {
    String path = "`delta-ffi`.`" + table + "`";
    for (String write :
        List.of(
            "INSERT INTO " + path + " SELECT * FROM " + path,
            "DELETE FROM " + path + " WHERE id = 1",
            "UPDATE " + path + " SET id = 1",
            "MERGE INTO "
                + path
                + " t USING "
                + path
                + " s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "TRUNCATE TABLE " + path)) {
      AnalysisException e =
          assertThrows(AnalysisException.class, () -> TestSpark.session().sql(write).collect());
      assertEquals("DELTA_FFI_READ_ONLY", e.getCondition(), write);
    }
  }

  /** The statement on delta-ffi's relation answers as on delta-spark's. */
  private static void assertSameSql(Function<String, String> statement) {
    SparkSession spark = TestSpark.session();
    String ffi = statement.apply("`delta-ffi`.`" + table + "`");
    assertSameAnswer(spark.sql(statement.apply("delta.`" + table + "`")), spark.sql(ffi), ffi);
  }
}
