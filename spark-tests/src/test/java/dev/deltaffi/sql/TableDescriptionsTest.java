package dev.deltaffi.sql;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DESCRIBE HISTORY and DESCRIBE DETAIL of delta-ffi paths and catalog tables answer as
 * delta-spark's of the same tables, every column, in both session setups: tables written by INSERT,
 * UPDATE, DELETE and MERGE, with deletion vectors and table features, with in-commit timestamps,
 * and with checkpoints.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class TableDescriptionsTest {

  @TempDir static Path dir;
  private static List<String> tables;

  @BeforeAll
  static void writeTables() {
    String changes = dir.resolve("changes").toString();
    TestTables.writeChangeHistory(
        changes, "'delta.enableDeletionVectors' = 'true'", "PARTITIONED BY (p)");
    String inCommitTimestamps = dir.resolve("in-commit-timestamps").toString();
    TestTables.writeChangeHistory(
        inCommitTimestamps,
        "'delta.enableInCommitTimestamps' = 'true', 'delta.enableChangeDataFeed' = 'true'",
        "");
    String checkpointed = TestTables.writeSmall(dir.resolve("checkpointed"), 5);
    tables = List.of(changes, inCommitTimestamps, checkpointed);
  }

  static List<SqlSessions> setups() {
    return SqlSessions.both().toList();
  }

  @ParameterizedTest
  @MethodSource("setups")
  void historyOfPaths(SqlSessions setup) {
    for (String table : tables) {
      for (String limit : List.of("", " LIMIT 2", " LIMIT 1")) {
        String ffi = "DESCRIBE HISTORY `delta-ffi`.`" + table + "`" + limit;
        assertSameAnswer(
            TestSpark.session().sql("DESCRIBE HISTORY delta.`" + table + "`" + limit),
            setup.sql(ffi),
            ffi);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("setups")
  void detailOfPaths(SqlSessions setup) {
    for (String table : tables) {
      String ffi = "DESCRIBE DETAIL `delta-ffi`.`" + table + "`";
      assertSameAnswer(
          TestSpark.session().sql("DESCRIBE DETAIL delta.`" + table + "`"), setup.sql(ffi), ffi);
    }
  }

  @ParameterizedTest
  @MethodSource("setups")
  void historyAndDetailOfCatalogTables(SqlSessions setup) {
    String table = tables.get(0);
    SparkSession spark = setup.session();
    spark.sql("CREATE TABLE described USING `delta-ffi` LOCATION '" + table + "'");
    try {
      assertSameAnswer(
          TestSpark.session().sql("DESCRIBE HISTORY delta.`" + table + "` LIMIT 3"),
          setup.sql("DESC HISTORY described LIMIT 3"),
          "DESC HISTORY described LIMIT 3");
      Dataset<Row> oracle =
          TestSpark.session().sql("DESCRIBE DETAIL delta.`" + table + "`").drop("name");
      Dataset<Row> detail = setup.sql("DESCRIBE DETAIL default.described");
      assertEquals("spark_catalog.default.described", detail.first().getAs("name"));
      assertSameAnswer(oracle, detail.drop("name"), "DESCRIBE DETAIL default.described");
    } finally {
      spark.sql("DROP TABLE described");
    }
  }

  @ParameterizedTest
  @MethodSource("setups")
  void aFolderThatIsNoTableFailsAsASparkError(SqlSessions setup) {
    for (String statement : List.of("DESCRIBE HISTORY", "DESCRIBE DETAIL")) {
      AnalysisException e =
          assertThrows(
              AnalysisException.class,
              () ->
                  setup.session().sql(statement + " `delta-ffi`.`" + dir.resolve("nothing") + "`"));
      assertEquals("DELTA_FFI_NOT_A_DELTA_TABLE", e.getCondition(), e.getMessage());
    }
  }
}
