package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.IoOperation;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Operation;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.plan.PlanRunner;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The engine side of a kernel state machine: reads each phase, executes Consume phases (I/O through
 * Hadoop, plans through Spark) and hands the answers back as Arrow C streams, passes PartialResult
 * plans to the caller, and stops at the Terminus.
 */
final class PhaseDriver {
  private final HadoopIo io;
  private final PlanRunner plans;

  PhaseDriver(HadoopIo io, PlanRunner plans) {
    this.io = io;
    this.plans = plans;
  }

  /** Steps {@code machine} to its Terminus and returns the handle of its result. */
  NativeHandle run(NativeHandle machine, Consumer<Plan> partialResults) {
    long id = machine.id();
    while (true) {
      int kind = NativeKernel.phaseKind(id);
      if (kind == NativeKernel.TERMINUS) {
        return new NativeHandle(NativeKernel.terminus(id));
      }
      IrBuilder ir = new IrBuilder();
      int root = NativeKernel.visitPhase(id, ir);
      if (kind == NativeKernel.PARTIAL_RESULT) {
        partialResults.accept(ir.get(root, Plan.class));
        NativeKernel.resume(id);
      } else {
        answer(id, ir.get(root, Operation.class));
      }
    }
  }

  private void answer(long machine, Operation operation) {
    KernelType.Struct schema;
    List<InternalRow> rows;
    try {
      if (operation instanceof Plan plan) {
        schema = plan.schema();
        rows = collect(plans.toDataFrame(plan));
      } else {
        IoOperation request = (IoOperation) operation;
        schema = HadoopIo.resultSchema(request);
        rows = io.execute(request);
      }
    } catch (FileNotFoundException e) {
      NativeKernel.stepFailed(machine, true, e.getMessage());
      return;
    } catch (IOException | RuntimeException e) {
      // The kernel decides what the failure means; its error then names the table and version.
      NativeKernel.stepFailed(machine, false, describe(e));
      return;
    }
    try (ArrowArrayStream stream = RowStreams.export(schema, rows)) {
      NativeKernel.step(machine, stream.memoryAddress());
    }
  }

  static List<InternalRow> collect(Dataset<Row> frame) {
    return Arrays.asList(
        ((org.apache.spark.sql.classic.Dataset<Row>) frame)
            .queryExecution()
            .executedPlan()
            .executeCollect());
  }

  /** The exception and its causes, so the root cause (e.g. the corrupt file) stays visible. */
  private static String describe(Throwable e) {
    StringBuilder message = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (message.length() > 0) {
        message.append("; caused by: ");
      }
      message.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
      if (t.getCause() == t) {
        break;
      }
    }
    return message.toString();
  }
}
