package dev.deltaffi.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.DataFrameAssert;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code df.inputFiles()} lists the files delta-spark lists for the same read: all live files, the
 * ones left after partition pruning and data skipping, those of a past version, and of every table
 * a query joins; the query's rows and physical plan stay as without it.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class InputFilesTest {

  @TempDir Path dir;

  @Test
  void filesOfFullPrunedSkippedAndPastReads() {
    String table = TestTables.writeSmall(dir.resolve("partitioned"), 5);
    TestTables.append(table, 1000, 10); // ids 1000..1009 in new files: a skipping target
    assertSameFiles(table, OptionalLong.empty(), df -> df);
    assertSameFiles(table, OptionalLong.empty(), df -> df.where("part = 1"));
    assertSameFiles(table, OptionalLong.empty(), df -> df.where("id >= 1000").select("name"));
    assertSameFiles(table, OptionalLong.of(2), df -> df);
    assertSameFiles(table, OptionalLong.of(2), df -> df.where("part = 2 AND id < 15"));
  }

  @Test
  void filesOfATableWithDeletionVectorsAndRemovedFiles() {
    String table = TestTables.writeWithDeletionVectors(dir.resolve("dvs")).toString();
    TestSpark.session().sql("DELETE FROM delta.`" + table + "` WHERE id < 50");
    assertSameFiles(table, OptionalLong.empty(), df -> df);
    assertSameFiles(table, OptionalLong.of(0), df -> df);
  }

  @Test
  void filesOfEveryTableAJoinReads() {
    String left = TestTables.writeSmall(dir.resolve("left"), 2);
    String right = TestTables.writeSmall(dir.resolve("right"), 3);
    Function<Function<String, Dataset<Row>>, Dataset<Row>> join =
        read ->
            read.apply(left)
                .where("part = 0")
                .join(read.apply(right).selectExpr("id", "part AS right_part"), "id")
                .where("id < 25");
    Dataset<Row> underTest = join.apply(t -> TestSpark.readUnderTest(t, OptionalLong.empty()));
    Dataset<Row> oracle = join.apply(t -> TestSpark.readOracle(t, OptionalLong.empty()));
    Set<String> files = sorted(underTest.inputFiles());
    assertEquals(sorted(oracle.inputFiles()), files);
    assertTrue(files.stream().anyMatch(f -> f.contains("/left/")));
    assertTrue(files.stream().anyMatch(f -> f.contains("/right/")));
    DataFrameAssert.assertSameAnswer(oracle, underTest, "rows");
  }

  /** The read {@code shape} makes of {@code table} lists delta-spark's files and rows. */
  private static void assertSameFiles(
      String table, OptionalLong version, Function<Dataset<Row>, Dataset<Row>> shape) {
    Dataset<Row> underTest = shape.apply(TestSpark.readUnderTest(table, version));
    Dataset<Row> oracle = shape.apply(TestSpark.readOracle(table, version));
    Set<String> files = sorted(underTest.inputFiles());
    assertFalse(
        files.isEmpty(), "no input files for " + underTest.queryExecution().optimizedPlan());
    assertEquals(sorted(oracle.inputFiles()), files, "version " + version);
    DataFrameAssert.assertSameAnswer(oracle, underTest, "rows");
    String executed = underTest.queryExecution().executedPlan().toString();
    assertFalse(executed.contains("DeltaFfiInputFiles"), executed);
  }

  private static Set<String> sorted(String[] files) {
    return new TreeSet<>(Set.of(files));
  }
}
