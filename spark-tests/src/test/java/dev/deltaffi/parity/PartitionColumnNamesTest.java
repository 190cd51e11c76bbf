package dev.deltaffi.parity;

import static dev.deltaffi.testing.DataFrameAssert.assertSameReads;
import static dev.deltaffi.testing.DataFrameAssert.quoted;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Partition columns whose names are not plain SQL identifiers (a dot, a dash, spaces and commas
 * under column mapping) read, filter, prune and explain as delta-spark's.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class PartitionColumnNamesTest {

  @TempDir static Path dir;

  @ParameterizedTest(name = "partitioned by [{0}], column mapping {1}")
  @CsvSource(
      delimiter = '|',
      value = {"p.q|none", "x-y|none", "a.b.c|name", "my col|name", "we,ird (name)|id"})
  void partitionColumnNamedLikeThis(String name, String columnMapping) {
    SparkSession spark = TestSpark.session();
    String table = dir.resolve("t" + Math.abs(name.hashCode()) + columnMapping).toString();
    String column = quoted(name);
    var writer =
        spark
            .range(0, 30)
            .selectExpr("id", "CAST(id % 3 AS INT) AS " + column, "concat('v', id) AS value")
            .repartition(1)
            .write()
            .format("delta")
            .partitionBy(name);
    if (!columnMapping.equals("none")) {
      writer =
          writer
              .option("delta.columnMapping.mode", columnMapping)
              .option("delta.minReaderVersion", "2")
              .option("delta.minWriterVersion", "5");
    }
    writer.save(table);

    assertSameReads(
        table,
        OptionalLong.empty(),
        df -> df,
        df -> df.select(column),
        df -> df.where(column + " = 1"),
        df -> df.where(column + " = 2 AND id > 10").select("value", column),
        df -> df.where(column + " IN (0, 2) OR id = 1"),
        df -> df.groupBy(column).count());

    if (TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      String explain =
          TestSpark.readUnderTest(table, OptionalLong.empty())
              .where(column + " = 1")
              .queryExecution()
              .executedPlan()
              .toString();
      assertTrue(explain.contains(Placement.filesSelected(1, 3)), explain);
    }
  }
}
