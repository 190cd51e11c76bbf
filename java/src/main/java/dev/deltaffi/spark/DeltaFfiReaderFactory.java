package dev.deltaffi.spark;

import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.DeletionVectors;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.SerializableConfiguration;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs on executors: reads the files of one partition with the Parquet read function built on the
 * driver, drops the rows deletion vectors delete, and lays each row or batch out in the logical
 * column order.
 */
final class DeltaFfiReaderFactory implements PartitionReaderFactory {

  private final Function1<PartitionedFile, Iterator<InternalRow>> readFile;
  private final int[] outputOrdinals;
  private final StructType readSchema;
  private final boolean columnar;
  private final String table;
  private final DeletedRows deletedRows;

  /**
   * The deletion vectors of a scan's files (by URL-encoded path), decoded by the kernel on the
   * executor that reads the file, through that executor's Hadoop FileSystem. {@code rowIndex} is
   * the position of Spark's row-index column in the Parquet reader's rows.
   */
  record DeletedRows(
      Broadcast<SerializableConfiguration> hadoopConf,
      String tableRoot,
      Map<String, DeletionVectors.Descriptor> descriptors,
      int rowIndex)
      implements Serializable {

    /** The sorted deleted row indexes of the file, or null when it has no deletion vector. */
    long[] of(PartitionedFile file) {
      DeletionVectors.Descriptor descriptor = descriptors.get(file.urlEncodedPath());
      return descriptor == null
          ? null
          : DeletionVectors.deletedRows(
              new HadoopIo(hadoopConf.value().value()), tableRoot, descriptor);
    }
  }

  /**
   * The {@code _metadata} column: its fields and the expression building it over a row read from a
   * file joined with that file's constants.
   */
  record FileMetadata(MetadataColumns fields, Expression struct) implements Serializable {}

  private final FileMetadata metadata;

  /**
   * {@code deletedRows} is null when no file has a deletion vector, {@code metadata} when the query
   * reads no {@code _metadata} field; only without both may reads be columnar.
   */
  DeltaFfiReaderFactory(
      Function1<PartitionedFile, Iterator<InternalRow>> readFile,
      int[] outputOrdinals,
      StructType readSchema,
      boolean columnar,
      String table,
      DeletedRows deletedRows,
      FileMetadata metadata) {
    if (columnar && (deletedRows != null || metadata != null)) {
      throw new IllegalArgumentException(
          "deletion vectors and _metadata are applied to rows, not batches");
    }
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
      columns.add(metadata.struct());
    }
    UnsafeProjection layout =
        UnsafeProjection.create(CollectionConverters.asScala(columns).toSeq());
    if (metadata == null) {
      return new FileChainReader<>(
          (FilePartition) partition, (row, file) -> layout.apply((InternalRow) row));
    }
    JoinedRow joined = new JoinedRow();
    return new FileChainReader<>(
        (FilePartition) partition,
        (row, fileConstants) -> layout.apply(joined.apply((InternalRow) row, fileConstants)));
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new FileChainReader<>(
        (FilePartition) partition,
        (batch, fileConstants) -> {
          ColumnarBatch read = (ColumnarBatch) batch;
          ColumnVector[] vectors = new ColumnVector[outputOrdinals.length];
          for (int i = 0; i < vectors.length; i++) {
            vectors[i] = read.column(outputOrdinals[i]);
          }
          return new ColumnarBatch(vectors, read.numRows());
        });
  }

  /**
   * Reads a partition's files one after the other. The Parquet reader yields rows or, in columnar
   * mode, batches through the same (erased) iterator type; {@code layout} gets each with its file's
   * {@code _metadata} constants (null when none is read).
   */
  private final class FileChainReader<T> implements PartitionReader<T> {
    private final PartitionedFile[] files;
    private final BiFunction<Object, InternalRow, T> layout;
    private int nextFile;
    private PartitionedFile file;
    private InternalRow fileConstants;
    private Iterator<InternalRow> values;
    private long[] deleted;
    private T current;

    FileChainReader(FilePartition partition, BiFunction<Object, InternalRow, T> layout) {
      this.files = partition.files();
      this.layout = layout;
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
            deleted = deletedRows == null ? null : deletedRows.of(file);
            fileConstants = metadata == null ? null : metadata.fields().fileConstants(file);
            values = readFile.apply(file);
          }
          Object value = values.next();
          if (deleted == null
              || Arrays.binarySearch(deleted, ((InternalRow) value).getLong(deletedRows.rowIndex()))
                  < 0) {
            current = layout.apply(value, fileConstants);
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
    }

    private void closeFile() throws IOException {
      if (values instanceof Closeable closeable) {
        closeable.close();
      }
      values = null;
      deleted = null;
    }
  }
}
