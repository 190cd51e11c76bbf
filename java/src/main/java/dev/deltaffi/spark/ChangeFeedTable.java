package dev.deltaffi.spark;

import dev.deltaffi.kernel.ChangeFeed;
import dev.deltaffi.plan.SparkTypes;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A batch read of a table's change data feed ({@code readChangeFeed=true}): the range is resolved
 * by the kernel when the table is loaded (the latest version fixed then), and read by {@link
 * ChangeFeedScan}.
 */
final class ChangeFeedTable implements Table, SupportsRead {
  private final ReadOptions readOptions;
  private final ChangeFeed.Range range;
  private final StructType schema;

  private ChangeFeedTable(ReadOptions readOptions, ChangeFeed.Range range) {
    this.readOptions = readOptions;
    this.range = range;
    this.schema = SparkTypes.toSpark(range.schema());
  }

  /**
   * delta-spark's setting that clamps a change feed's timestamps to the table's history instead of
   * failing; delta-ffi does not clamp, so the setting is refused rather than ignored.
   */
  static final String TIMESTAMP_OUT_OF_RANGE_CONF =
      "spark.databricks.delta.changeDataFeed.timestampOutOfRange.enabled";

  static ChangeFeedTable load(SparkSession spark, ReadOptions options) {
    ReadOptions.ChangeRange changes = options.changes().orElseThrow();
    boolean byTime =
        changes.start().kind() == ChangeFeed.Bound.timestamp(0).kind()
            || changes.end().kind() == ChangeFeed.Bound.timestamp(0).kind();
    if (byTime && Boolean.parseBoolean(spark.conf().get(TIMESTAMP_OUT_OF_RANGE_CONF, "false"))) {
      throw new DeltaOptions.UnsupportedOptionException(
          "Cannot read the change data feed of Delta table "
              + options.tableUri()
              + " by timestamp with "
              + TIMESTAMP_OUT_OF_RANGE_CONF
              + "=true: delta-ffi does not clamp timestamps to the table's history. Unset it, or"
              + " read with format(\"delta\").");
    }
    return new ChangeFeedTable(
        options,
        ChangeFeed.resolve(
            KernelEngines.of(spark).storage(), options.tableUri(), changes.start(), changes.end()));
  }

  ReadOptions readOptions() {
    return readOptions;
  }

  @Override
  public String name() {
    return "change data feed of "
        + range.tableRoot()
        + " versions "
        + range.start()
        + " to "
        + range.end();
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return Set.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return new ChangeFeedScan(SparkSession.active(), range, schema);
  }
}
