package dev.deltaffi.spark;

import dev.deltaffi.kernel.ScanFileInfo;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds a scan of the columns Spark needs. The kernel plans it: the live files and the logical and
 * physical read schemas come from the kernel's scan, never from Java.
 *
 * <p>Filter pushdown (SupportsPushDownV2Filters) belongs here: the pushed predicates go to the
 * kernel's scan for data skipping and, since skipping is best-effort, stay with Spark as post-scan
 * filters.
 */
final class DeltaFfiScanBuilder implements SupportsPushDownRequiredColumns {

  private final DeltaFfiTable table;

  /** Top-level columns to read; null until Spark prunes (then all columns are read). */
  private List<String> columns;

  DeltaFfiScanBuilder(DeltaFfiTable table) {
    this.table = table;
  }

  /**
   * Prunes to top-level columns only: a nested field Spark asks for is read with its whole
   * top-level column, and Spark extracts the field.
   */
  @Override
  public void pruneColumns(StructType requiredSchema) {
    columns = Arrays.stream(requiredSchema.fields()).map(StructField::name).toList();
  }

  @Override
  public Scan build() {
    DeltaFfiTable.Planned planned = table.planScan(SparkSession.active(), columns);
    rejectDeletionVectors(planned.plan().files());
    return new DeltaFfiScan(table, planned);
  }

  /** Rows a deletion vector removes must never be returned; until DVs are applied, refuse. */
  private void rejectDeletionVectors(List<ScanFileInfo> files) {
    files.stream()
        .filter(ScanFileInfo::deletionVector)
        .findFirst()
        .ifPresent(
            file -> {
              throw new UnsupportedOperationException(
                  table.describe()
                      + " has deletion vectors (e.g. on "
                      + file.location()
                      + "); delta-ffi does not support deletion vectors yet");
            });
  }
}
