package dev.deltaffi.arrow;

import dev.deltaffi.kernel.ir.KernelType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongPredicate;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Spark rows as an Arrow C stream, written batch by batch with Spark's own Arrow writer into
 * vectors laid out by the kernel's schema. The native side takes ownership of the stream and pulls
 * it lazily; releasing it frees the batches. The other way, a stream native code writes is read as
 * Spark columnar batches.
 */
public final class RowStreams {
  private static final int BATCH_ROWS = 8192;
  private static final BufferAllocator ALLOCATOR = new RootAllocator();

  private RowStreams() {}

  /** An exported stream of {@code rows}; pass its memoryAddress() to native code, then close it. */
  public static ArrowArrayStream export(KernelType.Struct schema, List<InternalRow> rows) {
    ArrowArrayStream stream = ArrowArrayStream.allocateNew(ALLOCATOR);
    Data.exportArrayStream(
        ALLOCATOR, new RowReader(ALLOCATOR, ArrowSchemas.toArrow(schema), rows), stream);
    return stream;
  }

  /**
   * Imports the Arrow C stream that {@code fill} writes into a fresh stream struct (given its
   * address; false: it wrote none) and hands each batch, with its column names, to {@code each}.
   * Batches are only valid during the call. Returns what {@code fill} returned.
   */
  public static boolean importBatches(
      LongPredicate fill, BiConsumer<List<String>, ColumnarBatch> each) {
    try (Imported imported = importStream(fill)) {
      if (imported == null) {
        return false;
      }
      for (ColumnarBatch batch = imported.next(); batch != null; batch = imported.next()) {
        each.accept(imported.names(), batch);
      }
      return true;
    }
  }

  /**
   * The Arrow C stream that {@code fill} writes into a fresh stream struct (given its address),
   * open for reading batch by batch; null when {@code fill} returned false (it wrote none).
   */
  public static Imported importStream(LongPredicate fill) {
    ArrowArrayStream stream = ArrowArrayStream.allocateNew(ALLOCATOR);
    try {
      if (!fill.test(stream.memoryAddress())) {
        stream.close();
        return null;
      }
      return new Imported(stream, Data.importArrayStream(ALLOCATOR, stream));
    } catch (RuntimeException | Error e) {
      stream.close();
      throw e;
    }
  }

  /** An imported Arrow C stream read as Spark columnar batches; closing it frees the batches. */
  public static final class Imported implements AutoCloseable {
    private final ArrowArrayStream stream;
    private final ArrowReader reader;
    private final List<String> names;

    private Imported(ArrowArrayStream stream, ArrowReader reader) {
      this.stream = stream;
      this.reader = reader;
      try {
        this.names =
            reader.getVectorSchemaRoot().getSchema().getFields().stream()
                .map(Field::getName)
                .toList();
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot read an Arrow stream from native code", e);
      }
    }

    public List<String> names() {
      return names;
    }

    /** The next batch, valid until the next call or close; null after the last. */
    public ColumnarBatch next() {
      try {
        if (!reader.loadNextBatch()) {
          return null;
        }
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        ColumnVector[] columns =
            root.getFieldVectors().stream()
                .map(ArrowColumnVector::new)
                .toArray(ColumnVector[]::new);
        return new ColumnarBatch(columns, root.getRowCount());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read an Arrow stream from native code", e);
      }
    }

    @Override
    public void close() {
      try {
        reader.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release an Arrow stream from native code", e);
      } finally {
        stream.close();
      }
    }
  }

  private static final class RowReader extends ArrowReader {
    private final Schema schema;
    private final List<InternalRow> rows;
    private int next;

    RowReader(BufferAllocator allocator, Schema schema, List<InternalRow> rows) {
      super(allocator);
      this.schema = schema;
      this.rows = rows;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (next >= rows.size() && next > 0) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      ArrowWriter writer = ArrowWriter.create(root);
      int end = Math.min(rows.size(), next + BATCH_ROWS);
      for (int i = next; i < end; i++) {
        writer.write(rows.get(i));
      }
      writer.finish();
      // An empty result is still one (empty) batch, so the schema travels with data.
      next = Math.max(end, 1);
      return true;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {}

    @Override
    protected Schema readSchema() {
      return schema;
    }
  }
}
