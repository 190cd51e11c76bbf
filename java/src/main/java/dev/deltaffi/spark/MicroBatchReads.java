package dev.deltaffi.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What one micro-batch of a stream reads, in parts with their own readers: files read as a batch
 * scan reads them ({@link DeltaFfiBatch}), and in a change data feed commits whose changes the
 * kernel reads ({@link ChangeFeedScan.Readers}). Spark takes one reader factory per micro-batch;
 * this one hands each partition to its part's factory, as columnar batches when every part reads
 * batches, else as rows.
 */
final class MicroBatchReads {
  private MicroBatchReads() {}

  /**
   * The rows of files a change data feed inserts at {@code version} (the stream's initial snapshot,
   * or a commit that only added files): the files' rows with {@code _change_type = insert}, the
   * version and its commit time appended.
   */
  record Inserted(long version, long timestampMicros) implements java.io.Serializable {}

  /** A part: its factory and partitions, and what the change feed appends to its rows (or null). */
  record Part(PartitionReaderFactory factory, InputPartition[] partitions, Inserted inserted) {}

  /** Partition {@code inner} of part {@code part}. */
  record Partition(int part, InputPartition inner) implements InputPartition {}

  /** The partitions of every part, and the factory that reads them. */
  record Planned(InputPartition[] partitions, PartitionReaderFactory factory) {}

  static Planned plan(List<Part> parts) {
    List<InputPartition> partitions = new ArrayList<>();
    List<PartitionReaderFactory> factories = new ArrayList<>();
    List<Inserted> inserted = new ArrayList<>();
    boolean columnar = true;
    for (Part part : parts) {
      for (InputPartition partition : part.partitions()) {
        partitions.add(new Partition(factories.size(), partition));
        columnar &= part.factory().supportColumnarReads(partition);
      }
      factories.add(part.factory());
      inserted.add(part.inserted());
    }
    return new Planned(
        partitions.toArray(new InputPartition[0]), new Factory(factories, inserted, columnar));
  }

  /** Reads each partition with its part's factory. */
  private record Factory(
      List<PartitionReaderFactory> parts, List<Inserted> inserted, boolean columnar)
      implements PartitionReaderFactory {

    @Override
    public boolean supportColumnarReads(InputPartition partition) {
      return columnar;
    }

    @Override
    public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
      Partition part = (Partition) partition;
      PartitionReader<ColumnarBatch> batches =
          parts.get(part.part()).createColumnarReader(part.inner());
      Inserted constants = inserted.get(part.part());
      return constants == null ? batches : new InsertedBatches(batches, constants);
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      Partition part = (Partition) partition;
      PartitionReaderFactory factory = parts.get(part.part());
      PartitionReader<InternalRow> rows =
          factory.supportColumnarReads(part.inner())
              ? new BatchRows(factory.createColumnarReader(part.inner()))
              : factory.createReader(part.inner());
      Inserted constants = inserted.get(part.part());
      return constants == null ? rows : new InsertedRows(rows, constants);
    }
  }

  /** Batches with the change feed's three columns appended, each one value for the batch. */
  private record InsertedBatches(PartitionReader<ColumnarBatch> batches, Inserted inserted)
      implements PartitionReader<ColumnarBatch> {
    @Override
    public boolean next() throws IOException {
      return batches.next();
    }

    @Override
    public ColumnarBatch get() {
      ColumnarBatch read = batches.get();
      int rows = read.numRows();
      ColumnVector[] vectors = new ColumnVector[read.numCols() + 3];
      for (int i = 0; i < read.numCols(); i++) {
        vectors[i] = read.column(i);
      }
      ConstantColumnVector changeType = new ConstantColumnVector(rows, DataTypes.StringType);
      changeType.setUtf8String(INSERT);
      ConstantColumnVector version = new ConstantColumnVector(rows, DataTypes.LongType);
      version.setLong(inserted.version());
      ConstantColumnVector timestamp = new ConstantColumnVector(rows, DataTypes.TimestampType);
      timestamp.setLong(inserted.timestampMicros());
      vectors[read.numCols()] = changeType;
      vectors[read.numCols() + 1] = version;
      vectors[read.numCols() + 2] = timestamp;
      return new ColumnarBatch(vectors, rows);
    }

    @Override
    public void close() throws IOException {
      batches.close();
    }
  }

  private static final UTF8String INSERT = UTF8String.fromString("insert");

  /** Rows with the change feed's three columns appended. */
  private static final class InsertedRows implements PartitionReader<InternalRow> {
    private final PartitionReader<InternalRow> rows;
    private final InternalRow constants;
    private final JoinedRow joined = new JoinedRow();

    InsertedRows(PartitionReader<InternalRow> rows, Inserted inserted) {
      this.rows = rows;
      this.constants =
          new GenericInternalRow(
              new Object[] {INSERT, inserted.version(), inserted.timestampMicros()});
    }

    @Override
    public boolean next() throws IOException {
      return rows.next();
    }

    @Override
    public InternalRow get() {
      return joined.apply(rows.get(), constants);
    }

    @Override
    public void close() throws IOException {
      rows.close();
    }
  }

  /** The rows of a columnar reader's batches, for a micro-batch read as rows. */
  private static final class BatchRows implements PartitionReader<InternalRow> {
    private final PartitionReader<ColumnarBatch> batches;
    private java.util.Iterator<InternalRow> rows = java.util.Collections.emptyIterator();
    private InternalRow current;

    BatchRows(PartitionReader<ColumnarBatch> batches) {
      this.batches = batches;
    }

    @Override
    public boolean next() throws IOException {
      while (!rows.hasNext()) {
        if (!batches.next()) {
          return false;
        }
        rows = batches.get().rowIterator();
      }
      current = rows.next();
      return true;
    }

    @Override
    public InternalRow get() {
      return current;
    }

    @Override
    public void close() throws IOException {
      batches.close();
    }
  }
}
