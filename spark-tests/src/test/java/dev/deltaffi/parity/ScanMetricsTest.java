package dev.deltaffi.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.PhysicalPlans;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The scan node's metrics (the Spark UI's, {@code SQLMetrics}) say what a user checks against
 * delta-spark: the files it reads (its {@code inputFiles()}) and their size, the files pruned, the
 * log replayed, and the rows deletion vectors dropped (the rows in the files less those delta-spark
 * returns).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class ScanMetricsTest {

  @TempDir Path dir;

  @BeforeEach
  void onlyForDeltaFfi() {
    Assumptions.assumeTrue(TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"));
  }

  @Test
  void filesSelectedPrunedAndTheLogReplayed() throws IOException {
    String table = TestTables.writeSmall(dir.resolve("partitioned"), 5);
    Dataset<Row> read = TestSpark.readUnderTest(table, OptionalLong.empty()).where("part = 1");
    read.collectAsList();
    Map<String, Long> metrics = scanMetrics(read);
    String[] oracleFiles =
        TestSpark.readOracle(table, OptionalLong.empty()).where("part = 1").inputFiles();
    String[] allFiles = TestSpark.readOracle(table, OptionalLong.empty()).inputFiles();
    assertTrue(oracleFiles.length > 0 && oracleFiles.length < allFiles.length);
    assertEquals(oracleFiles.length, metrics.get("filesSelected"), metrics.toString());
    assertEquals(sizeOf(oracleFiles), metrics.get("bytesSelected"), metrics.toString());
    if (Placement.ofThisRun() == Placement.IN_PROCESS) {
      // Append-only: every add of another partition is pruned.
      assertEquals(allFiles.length - oracleFiles.length, metrics.get("filesPruned"));
    } else {
      assertFalse(metrics.containsKey("filesPruned"), "a Spark job's replay counts no pruning");
    }
    // Checkpoint 4 (of versions 0 to 4) and no commit after it.
    assertEquals(
        Files.size(Path.of(table, "_delta_log", "00000000000000000004.checkpoint.parquet")),
        metrics.get("logBytes"));
    assertTrue(metrics.get("planningTimeMs") >= 0);
  }

  @Test
  void rowsDroppedByDeletionVectors() throws IOException {
    String table = TestTables.writeWithDeletionVectors(dir.resolve("dvs")).toString();
    for (boolean columnar : new boolean[] {true, false}) {
      TestSpark.session()
          .conf()
          .set("spark.sql.parquet.enableVectorizedReader", Boolean.toString(columnar));
      try {
        Dataset<Row> read = TestSpark.readUnderTest(table, OptionalLong.empty());
        long rows = read.collectAsList().size();
        Dataset<Row> oracle = TestSpark.readOracle(table, OptionalLong.empty());
        long rowsInFiles = TestSpark.session().read().parquet(oracle.inputFiles()).count();
        assertEquals(oracle.collectAsList().size(), rows);
        assertEquals(
            rowsInFiles - rows,
            scanMetrics(read).get("rowsDeletedByDeletionVectors"),
            "columnar " + columnar);
      } finally {
        TestSpark.session().conf().unset("spark.sql.parquet.enableVectorizedReader");
      }
    }
  }

  /** The set metrics of the scan node that read {@code read}, by name. */
  private static Map<String, Long> scanMetrics(Dataset<Row> read) {
    BatchScanExec scan =
        PhysicalPlans.only(read.queryExecution().executedPlan(), BatchScanExec.class);
    return CollectionConverters.asJava(scan.metrics()).entrySet().stream()
        .filter(metric -> !metric.getValue().isZero()) // set by this read
        .collect(Collectors.toMap(Map.Entry::getKey, metric -> valueOf(metric.getValue())));
  }

  private static long valueOf(SQLMetric metric) {
    return metric.value();
  }

  private static long sizeOf(String[] files) {
    return Stream.of(files)
        .mapToLong(
            file -> {
              try {
                return Files.size(Path.of(URI.create(file)));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .sum();
  }
}
