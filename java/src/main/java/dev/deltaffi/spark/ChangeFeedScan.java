package dev.deltaffi.spark;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.kernel.ChangeFeed;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The change data feed of a range, read in Spark tasks: the range's commits are cut into contiguous
 * slices, one per task, and each task has the kernel read its slice's changes through the
 * executor's Hadoop FileSystem, as Arrow batches. Filters stay in Spark, after the scan.
 */
final class ChangeFeedScan implements ScanBuilder, SupportsPushDownRequiredColumns, Scan, Batch {
  private final SparkSession spark;
  private final ChangeFeed.Range range;
  private StructType readSchema;

  ChangeFeedScan(SparkSession spark, ChangeFeed.Range range, StructType schema) {
    this.spark = spark;
    this.range = range;
    this.readSchema = schema;
  }

  /** The columns the change feed adds to the table's. */
  private static final List<String> CHANGE_COLUMNS =
      List.of("_change_type", "_commit_version", "_commit_timestamp");

  /** {@code table}'s columns, then the change feed's, typed as the kernel types them. */
  static StructType withChangeColumns(StructType table) {
    return table
        .add(CHANGE_COLUMNS.get(0), DataTypes.StringType, false)
        .add(CHANGE_COLUMNS.get(1), DataTypes.LongType, false)
        .add(CHANGE_COLUMNS.get(2), DataTypes.TimestampType, false);
  }

  /**
   * Reads the required columns, and at least one of the table's own: the kernel cannot read a data
   * file for none of its columns (it fails building an empty struct), and a count needs the rows.
   */
  @Override
  public void pruneColumns(StructType required) {
    boolean readsTableColumn =
        Arrays.stream(required.fieldNames()).anyMatch(name -> !CHANGE_COLUMNS.contains(name));
    if (readsTableColumn) {
      readSchema = required;
      return;
    }
    StructField firstTableColumn =
        Arrays.stream(readSchema.fields())
            .filter(field -> !CHANGE_COLUMNS.contains(field.name()))
            .findFirst()
            .orElseThrow();
    readSchema = required.add(firstTableColumn);
  }

  @Override
  public Scan build() {
    return this;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    return "delta-ffi change data feed of "
        + range.tableRoot()
        + " versions "
        + range.start()
        + " to "
        + range.end()
        + ", columns "
        + Arrays.toString(readSchema.fieldNames());
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  /** Commits {@code start} to {@code end}, read by one task. */
  record Slice(long start, long end) implements InputPartition {}

  @Override
  public InputPartition[] planInputPartitions() {
    long commits = range.end() - range.start() + 1;
    long slices = Math.min(commits, Math.max(1, spark.sparkContext().defaultParallelism()));
    InputPartition[] partitions = new InputPartition[(int) slices];
    for (int i = 0; i < slices; i++) {
      long first = range.start() + commits * i / slices;
      long last = range.start() + commits * (i + 1) / slices - 1;
      partitions[i] = new Slice(first, last);
    }
    return partitions;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return readers(spark, range.tableRoot(), readSchema);
  }

  /** Readers of the change feed's {@code columns} of the table at {@code tableRoot}. */
  static Readers readers(SparkSession spark, String tableRoot, StructType columns) {
    return new Readers(ExecutorStorage.of(spark, tableRoot), List.of(columns.fieldNames()));
  }

  /** Each task's reader: the kernel's Arrow batches of its slice, in the read schema's order. */
  record Readers(ExecutorStorage storage, List<String> columns)
      implements PartitionReaderFactory, Serializable {

    @Override
    public boolean supportColumnarReads(InputPartition partition) {
      return true;
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      throw new UnsupportedOperationException("the change data feed is read as columnar batches");
    }

    @Override
    public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
      Slice slice = (Slice) partition;
      return new PartitionReader<>() {
        private RowStreams.Imported changes;
        private ColumnarBatch current;

        @Override
        public boolean next() {
          if (changes == null) {
            changes =
                ChangeFeed.read(
                    storage.open(), storage.tableRoot(), slice.start(), slice.end(), columns);
          }
          current = changes.next();
          return current != null;
        }

        @Override
        public ColumnarBatch get() {
          return current;
        }

        @Override
        public void close() {
          if (changes != null) {
            changes.close();
          }
        }
      };
    }
  }
}
