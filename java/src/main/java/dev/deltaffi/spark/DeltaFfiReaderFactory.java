package dev.deltaffi.spark;

import dev.deltaffi.spark.vectors.SelectedRowsVector;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.rdd.InputFileBlockHolder;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs on executors: reads the files of one partition with the Parquet read function built on the
 * driver, as rows or as columnar batches, and for each file composes three steps: drop the rows its
 * deletion vector deletes ({@link DeletedRows}), add the {@code _metadata} column ({@link
 * MetadataColumns}), and lay the columns out in the logical order. Batches stay batches: deleted
 * rows are left out by a selection over the batch's vectors, not copied.
 */
final class DeltaFfiReaderFactory implements PartitionReaderFactory {

  private final Function1<PartitionedFile, Iterator<InternalRow>> readFile;
  private final int[] outputOrdinals;
  private final StructType readSchema;
  private final boolean columnar;
  private final String table;
  private final DeletedRows deletedRows;
  private final FileMetadata metadata;

  /**
   * The {@code _metadata} column's fields and where the Parquet reader's row or batch has what they
   * need: the row index, the materialized row tracking columns, and (for rows, which are joined
   * with the file's constants) the end of the reader's row.
   */
  record FileMetadata(
      MetadataColumns fields, int rowIndexOrdinal, int materializedStart, int readerWidth)
      implements Serializable {}

  /**
   * {@code deletedRows} is null when no file has a deletion vector, {@code metadata} when the query
   * reads no {@code _metadata} field.
   */
  DeltaFfiReaderFactory(
      Function1<PartitionedFile, Iterator<InternalRow>> readFile,
      int[] outputOrdinals,
      StructType readSchema,
      boolean columnar,
      String table,
      DeletedRows deletedRows,
      FileMetadata metadata) {
    this.readFile = readFile;
    this.outputOrdinals = outputOrdinals;
    this.readSchema = readSchema;
    this.columnar = columnar;
    this.table = table;
    this.deletedRows = deletedRows;
    this.metadata = metadata;
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return columnar;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    // Nullable regardless of the schema: a data file may hold NULLs its table schema forbids.
    List<Expression> columns = new ArrayList<>();
    for (int i = 0; i < outputOrdinals.length; i++) {
      columns.add(new BoundReference(outputOrdinals[i], readSchema.fields()[i].dataType(), true));
    }
    if (metadata != null) {
      columns.add(
          metadata
              .fields()
              .struct(
                  metadata.rowIndexOrdinal(),
                  metadata.materializedStart(),
                  metadata.readerWidth()));
    }
    UnsafeProjection layout =
        UnsafeProjection.create(CollectionConverters.asScala(columns).toSeq());
    DeletedRowCount dropped = new DeletedRowCount();
    return new FileChainReader<>(
        (FilePartition) partition,
        dropped,
        file -> {
          long[] deleted = deletedRows == null ? null : deletedRows.of(file);
          InternalRow constants = metadata == null ? null : metadata.fields().fileConstants(file);
          JoinedRow joined = new JoinedRow();
          return value -> {
            InternalRow row = (InternalRow) value;
            if (deleted != null
                && !DeletedRows.keeps(deleted, row.getLong(deletedRows.rowIndex()))) {
              dropped.rows++;
              return null;
            }
            return layout.apply(constants == null ? row : joined.apply(row, constants));
          };
        });
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    DeletedRowCount dropped = new DeletedRowCount();
    return new FileChainReader<>(
        (FilePartition) partition,
        dropped,
        file -> {
          long[] deleted = deletedRows == null ? null : deletedRows.of(file);
          Function<ColumnarBatch, ColumnVector> metadataOf =
              metadata == null
                  ? null
                  : metadata
                      .fields()
                      .batches(file, metadata.rowIndexOrdinal(), metadata.materializedStart());
          return value -> {
            ColumnarBatch read = (ColumnarBatch) value;
            int[] survivors =
                deleted == null
                    ? null
                    : DeletedRows.survivors(
                        deleted, read.column(deletedRows.rowIndex()), read.numRows());
            if (survivors != null) {
              dropped.rows += read.numRows() - survivors.length;
              if (survivors.length == 0) {
                return null;
              }
            }
            ColumnVector[] vectors = new ColumnVector[readSchema.size()];
            for (int i = 0; i < outputOrdinals.length; i++) {
              vectors[i] = read.column(outputOrdinals[i]);
            }
            if (metadataOf != null) {
              vectors[outputOrdinals.length] = metadataOf.apply(read);
            }
            if (survivors == null) {
              return new ColumnarBatch(vectors, read.numRows());
            }
            for (int i = 0; i < vectors.length; i++) {
              vectors[i] = new SelectedRowsVector(vectors[i], survivors);
            }
            return new ColumnarBatch(vectors, survivors.length);
          };
        });
  }

  /** The rows a reader's deletion vectors dropped so far (its task metric). */
  private static final class DeletedRowCount {
    long rows;
  }

  /**
   * Reads a partition's files one after the other. The Parquet reader yields rows or, in columnar
   * mode, batches through the same (erased) iterator type; {@code perFile} gives, for each file,
   * what each value it yields becomes (null: nothing, e.g. a deleted row).
   */
  private final class FileChainReader<T> implements PartitionReader<T> {
    private final PartitionedFile[] files;
    private final DeletedRowCount dropped;
    private final Function<PartitionedFile, Function<Object, T>> perFile;
    private int nextFile;
    private PartitionedFile file;
    private Function<Object, T> transform;
    private Iterator<InternalRow> values;
    private T current;

    FileChainReader(
        FilePartition partition,
        DeletedRowCount dropped,
        Function<PartitionedFile, Function<Object, T>> perFile) {
      this.files = partition.files();
      this.dropped = dropped;
      this.perFile = perFile;
    }

    @Override
    public CustomTaskMetric[] currentMetricsValues() {
      return ScanMetrics.ofReader(dropped.rows);
    }

    @Override
    public boolean next() throws IOException {
      try {
        while (true) {
          while (values == null || !values.hasNext()) {
            closeFile();
            if (nextFile == files.length) {
              return false;
            }
            file = files[nextFile++];
            // What input_file_name() and its kin read, as Spark's own file scans set it.
            InputFileBlockHolder.set(file.urlEncodedPath(), file.start(), file.length());
            transform = perFile.apply(file);
            values = readFile.apply(file);
          }
          current = transform.apply(values.next());
          if (current != null) {
            return true;
          }
        }
      } catch (Exception e) {
        throw new IOException(
            "Cannot read " + file.urlEncodedPath() + " of " + table + ": " + e.getMessage(), e);
      }
    }

    @Override
    public T get() {
      return current;
    }

    @Override
    public void close() throws IOException {
      closeFile();
      InputFileBlockHolder.unset();
    }

    private void closeFile() throws IOException {
      if (values instanceof Closeable closeable) {
        closeable.close();
      }
      values = null;
      transform = null;
    }
  }
}
