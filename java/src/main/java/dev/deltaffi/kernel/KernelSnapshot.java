package dev.deltaffi.kernel;

import dev.deltaffi.kernel.ir.KernelType;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.SparkSession;

/**
 * A table snapshot built by the kernel's phase machine; owns its native handle. Facade used by the
 * Spark source: nothing outside this package touches the natives.
 */
public final class KernelSnapshot implements AutoCloseable {

  /** Loads the latest snapshot, or the one at {@code version}, of the table at {@code tableUri}. */
  public static KernelSnapshot load(SparkSession spark, String tableUri, OptionalLong version) {
    throw new UnsupportedOperationException("TODO(lead): phase machine");
  }

  public String tableRoot() {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  public long version() {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  /** The logical table schema (field metadata included). */
  public KernelType.Struct schema() {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  /** Logical partition column names, in table order. */
  public List<String> partitionColumns() {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  /** The phases the kernel stepped through to build this snapshot, one line each. */
  public List<String> phaseLog() {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  /**
   * Plans a scan of the given logical top-level columns (null: all) through the kernel's scan
   * machine; the live files come from the kernel's metadata plan run on Spark.
   */
  public ScanPlan planScan(SparkSession spark, List<String> columns) {
    throw new UnsupportedOperationException("TODO(lead)");
  }

  @Override
  public void close() {}
}
