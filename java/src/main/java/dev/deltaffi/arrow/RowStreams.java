package dev.deltaffi.arrow;

import dev.deltaffi.kernel.ir.KernelType;
import java.io.IOException;
import java.util.List;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;

/**
 * Spark rows as an Arrow C stream, written batch by batch with Spark's own Arrow writer into
 * vectors laid out by the kernel's schema. The native side takes ownership of the stream and pulls
 * it lazily; releasing it frees the batches.
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
