package dev.deltaffi.examples;

import dev.deltaffi.spark.DeltaFfiScan;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import scala.runtime.BoxedUnit;

/**
 * Reads a Delta table with {@code format("delta-ffi")} and shows what the kernel did: the snapshot
 * version, the phases of the snapshot and of the scan, then the schema and the rows.
 *
 * <p>Usage: {@code bin/read-sample-table [path]} (default {@code examples/sample-table}).
 */
public final class ReadSampleTable {

  private ReadSampleTable() {}

  public static void main(String[] args) {
    String table =
        Path.of(args.length > 0 ? args[0] : "examples/sample-table").toAbsolutePath().toString();
    Dataset<Row> df = TestSpark.readUnderTest(table, OptionalLong.empty());
    try {
      DeltaFfiScan scan = scanOf(df);
      System.out.println("Table:            " + scan.tableRoot());
      System.out.println("Snapshot version: " + scan.version());
      System.out.println("Snapshot phases:");
      scan.snapshotPhaseLog().forEach(phase -> System.out.println("  " + phase));
      System.out.println("Scan phases:");
      scan.scanPhaseLog().forEach(phase -> System.out.println("  " + phase));
      df.printSchema();
      df.show(100, false);
    } finally {
      TestSpark.session().stop();
    }
  }

  /** The delta-ffi scan Spark planned for {@code df}. */
  private static DeltaFfiScan scanOf(Dataset<Row> df) {
    List<DeltaFfiScan> scans = new ArrayList<>();
    df.queryExecution()
        .optimizedPlan()
        .foreach(
            node -> {
              if (node instanceof DataSourceV2ScanRelation relation
                  && relation.scan() instanceof DeltaFfiScan scan) {
                scans.add(scan);
              }
              return BoxedUnit.UNIT;
            });
    if (scans.isEmpty()) {
      throw new IllegalStateException(
          "Not a delta-ffi read: " + df.queryExecution().optimizedPlan());
    }
    return scans.get(0);
  }
}
