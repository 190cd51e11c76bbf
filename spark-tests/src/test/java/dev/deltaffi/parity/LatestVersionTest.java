package dev.deltaffi.parity;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DataFrame without time travel reads the table's latest version each time it is run, as
 * delta-spark's does; with time travel it stays pinned; a schema change its columns cannot be read
 * through fails clearly.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class LatestVersionTest {

  @TempDir Path dir;

  private static Dataset<Row> read(String format, String table, Map<String, String> options) {
    return TestSpark.session().read().format(format).options(options).load(table);
  }

  private static void append(String table, long from, long to) {
    TestSpark.session()
        .range(from, to)
        .selectExpr("id", "CAST(id % 2 AS INT) AS part")
        .write()
        .format("delta")
        .mode("append")
        .save(table);
  }

  @Test
  void aDataFrameSeesCommitsMadeAfterItWasCreated() {
    String table = dir.resolve("growing").toString();
    TestSpark.session()
        .range(0, 10)
        .selectExpr("id", "CAST(id % 2 AS INT) AS part")
        .write()
        .format("delta")
        .partitionBy("part")
        .save(table);
    List<UnaryOperator<Dataset<Row>>> queries =
        List.of(df -> df, df -> df.where("part = 1"), df -> df.groupBy("part").count());
    Dataset<Row> oracle = read("delta", table, Map.of());
    Dataset<Row> underTest = read(TestSpark.FORMAT_UNDER_TEST, table, Map.of());
    Dataset<Row> pinnedOracle = read("delta", table, Map.of("versionAsOf", "0"));
    Dataset<Row> pinned = read(TestSpark.FORMAT_UNDER_TEST, table, Map.of("versionAsOf", "0"));
    // Before the first query, and again after it: both readers see every new commit.
    for (int commit = 1; commit <= 3; commit++) {
      append(table, commit * 10L, commit * 10L + 10);
      for (UnaryOperator<Dataset<Row>> query : queries) {
        assertSameAnswer(query.apply(oracle), query.apply(underTest), "after commit " + commit);
        assertSameAnswer(
            query.apply(pinnedOracle), query.apply(pinned), "pinned, after commit " + commit);
      }
      assertEquals((commit + 1) * 10L, underTest.count());
      assertEquals(10L, pinned.count());
    }
  }

  @Test
  void aDroppedOrRetypedColumnFailsTheDataFrameClearly() {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("changing").toString();
    spark
        .range(0, 10)
        .selectExpr("id", "CAST(id AS INT) AS n", "concat('v', id) AS s")
        .write()
        .format("delta")
        .option("delta.columnMapping.mode", "name")
        .option("delta.minReaderVersion", "2")
        .option("delta.minWriterVersion", "5")
        .save(table);
    Dataset<Row> df = read(TestSpark.FORMAT_UNDER_TEST, table, Map.of());
    Dataset<Row> oracle = read("delta", table, Map.of());
    // A new column is fine: the DataFrame does not see it.
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (extra STRING)");
    assertSameAnswer(oracle, df, "after adding a column");
    spark.sql("ALTER TABLE delta.`" + table + "` DROP COLUMN s");
    assertFailsNaming(oracle::collect, "schema", "missing", "s");
    assertFailsNaming(df::collect, table, "schema", "'s'", "no longer exists", "version 0");
    // Dropped and added again under the same name: another column (another physical name).
    Dataset<Row> fresh = read(TestSpark.FORMAT_UNDER_TEST, table, Map.of());
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (s STRING)");
    assertSameAnswer(read("delta", table, Map.of()).drop("s"), fresh, "after re-adding s");
    Dataset<Row> withS = read(TestSpark.FORMAT_UNDER_TEST, table, Map.of());
    spark.sql("ALTER TABLE delta.`" + table + "` DROP COLUMN s");
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (s STRING)");
    assertFailsNaming(withS::collect, "'s'", "another column");
  }
}
