package dev.deltaffi.kernel;

import dev.deltaffi.arrow.ArrowSchemas;
import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.IoOperation;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Operation;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.plan.PlanTranslator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;

/**
 * Times the JNI bridge of a snapshot load apart from the engine's work. It steps the kernel's
 * snapshot machine as PhaseDriver does, but clocks the bridge (the native calls, visiting each
 * phase into Java IR, the Arrow C stream the kernel pulls and consumes, the kernel's own work)
 * separately from the engine (Hadoop I/O, Spark jobs). Answers are exported as RowStreams does,
 * with a chosen number of rows per batch, so the cost per batch can be told apart. Benchmark code:
 * it sits in the facade's package only to reach the natives.
 */
public final class BridgeProbe {

  /** RowStreams' batch size. */
  public static final int DEFAULT_BATCH_ROWS = 8192;

  private static final BufferAllocator ALLOCATOR = new RootAllocator();

  /**
   * One phase: its operation, the rows and Arrow batches of the answer, and the clocks: visitNanos
   * (starting the machine or the previous step's return up to the visited phase), stepNanos
   * (exporting the answer and the native step that consumes it), of which writeNanos were spent
   * writing the Arrow batches in Java as the kernel pulled them, engineNanos (I/O or Spark job).
   */
  public record Step(
      String phase,
      int rows,
      int batches,
      long visitNanos,
      long stepNanos,
      long writeNanos,
      long engineNanos) {
    public long bridgeNanos() {
      return visitNanos + stepNanos;
    }
  }

  private BridgeProbe() {}

  /** Loads the latest snapshot of {@code tableUri}; one Step per phase, the Terminus last. */
  public static List<Step> loadSnapshot(SparkSession spark, String tableUri, int batchRows)
      throws IOException {
    String root = tableUri.endsWith("/") ? tableUri : tableUri + "/";
    HadoopIo io =
        new HadoopIo(
            ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().newHadoopConf());
    PlanTranslator plans = new PlanTranslator(spark);
    List<Step> steps = new ArrayList<>();
    long start = System.nanoTime();
    try (NativeHandle machine =
        new NativeHandle(NativeKernel.startSnapshot(root, NativeKernel.LATEST, 0, null))) {
      long id = machine.id();
      while (NativeKernel.phaseKind(id) != NativeKernel.TERMINUS) {
        IrBuilder ir = new IrBuilder();
        Operation operation = ir.get(NativeKernel.visitPhase(id, ir), Operation.class);
        long engineStart = System.nanoTime();
        KernelType.Struct schema;
        List<InternalRow> rows;
        if (operation instanceof Plan plan) {
          schema = plan.schema();
          rows = PhaseDriver.collect(plans.toDataFrame(plan));
        } else {
          schema = HadoopIo.resultSchema((IoOperation) operation);
          rows = io.execute((IoOperation) operation);
        }
        long engineEnd = System.nanoTime();
        BatchedRows reader =
            new BatchedRows(ALLOCATOR, ArrowSchemas.toArrow(schema), rows, batchRows);
        try (ArrowArrayStream stream = ArrowArrayStream.allocateNew(ALLOCATOR)) {
          Data.exportArrayStream(ALLOCATOR, reader, stream);
          NativeKernel.step(id, stream.memoryAddress());
        }
        long end = System.nanoTime();
        int batches = Math.max(1, (rows.size() + batchRows - 1) / batchRows);
        steps.add(
            new Step(
                operation.getClass().getSimpleName(),
                rows.size(),
                batches,
                engineStart - start,
                end - engineEnd,
                reader.writeNanos,
                engineEnd - engineStart));
        start = end;
      }
      new NativeHandle(NativeKernel.terminus(id)).close();
      steps.add(new Step("Terminus", 0, 0, System.nanoTime() - start, 0, 0, 0));
      return steps;
    }
  }

  /** RowStreams' reader with {@code batchRows} rows per batch. */
  private static final class BatchedRows extends ArrowReader {
    private final Schema schema;
    private final List<InternalRow> rows;
    private final int batchRows;
    private int next;
    private long writeNanos;

    BatchedRows(BufferAllocator allocator, Schema schema, List<InternalRow> rows, int batchRows) {
      super(allocator);
      this.schema = schema;
      this.rows = rows;
      this.batchRows = batchRows;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (next >= rows.size() && next > 0) {
        return false;
      }
      long start = System.nanoTime();
      VectorSchemaRoot root = getVectorSchemaRoot();
      ArrowWriter writer = ArrowWriter.create(root);
      int end = Math.min(rows.size(), next + batchRows);
      for (int i = next; i < end; i++) {
        writer.write(rows.get(i));
      }
      writer.finish();
      next = Math.max(end, 1);
      writeNanos += System.nanoTime() - start;
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
