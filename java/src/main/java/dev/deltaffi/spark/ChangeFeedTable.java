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

  static ChangeFeedTable load(SparkSession spark, ReadOptions options) {
    ReadOptions.ChangeRange changes = options.changes().orElseThrow();
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
