package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.Plan;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine side of a kernel state machine: reads each phase, runs the query plans of Consume
 * phases on Spark and hands their rows back as Arrow C streams, passes PartialResult plans to the
 * caller, and stops at the Terminus. (The kernel's I/O never comes here: it is answered in process
 * through Hadoop FileSystem, see HadoopIo.)
 */
final class PhaseDriver {
  /** The observer of phases driven on this thread, if any (see {@link PhaseObserver}). */
  static final ThreadLocal<PhaseObserver> OBSERVER = new ThreadLocal<>();

  private static final String[] KINDS = {"Consume", "PartialResult", "Terminus"};

  /** DEBUG: each phase stepped; WARN: a Spark job that failed answering one. */
  private static final Logger LOG = LoggerFactory.getLogger(PhaseDriver.class);

  private final PlanRunner plans;

  PhaseDriver(PlanRunner plans) {
    this.plans = plans;
  }

  /** Steps {@code machine} to its Terminus and returns the handle of its result. */
  NativeHandle run(NativeHandle machine, Consumer<Plan> partialResults) {
    long id = machine.id();
    PhaseObserver observer = OBSERVER.get();
    long kernelBefore = observer == null ? 0 : NativeKernel.kernelNanos(id);
    while (true) {
      long start = System.nanoTime();
      int kind = NativeKernel.phaseKind(id);
      if (kind == NativeKernel.TERMINUS) {
        NativeHandle result = new NativeHandle(NativeKernel.terminus(id));
        observe(observer, kind, start, 0, 0);
        return result;
      }
      IrBuilder ir = new IrBuilder();
      Plan plan = ir.get(NativeKernel.visitPhase(id, ir), Plan.class);
      long engineNanos;
      if (kind == NativeKernel.PARTIAL_RESULT) {
        long engineStart = System.nanoTime();
        partialResults.accept(plan);
        engineNanos = System.nanoTime() - engineStart;
        NativeKernel.resume(id);
      } else {
        engineNanos = answer(id, plan);
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "phase {}: plan of {} nodes, {} ms on the engine side, {} ms in all",
            KINDS[kind],
            plan.nodes().size(),
            engineNanos / 1_000_000,
            (System.nanoTime() - start) / 1_000_000);
      }
      if (observer != null) {
        long kernel = NativeKernel.kernelNanos(id);
        observe(observer, kind, start, engineNanos, kernel - kernelBefore);
        kernelBefore = kernel;
      }
    }
  }

  private static void observe(
      PhaseObserver observer, int kind, long start, long engineNanos, long kernelNanos) {
    if (observer != null) {
      long total = System.nanoTime() - start;
      observer.phase(
          new PhaseObserver.Phase(
              KINDS[kind], total - engineNanos - kernelNanos, kernelNanos, engineNanos));
    }
  }

  /** Runs the plan on Spark and steps the machine with its rows; returns the engine's nanos. */
  private long answer(long machine, Plan plan) {
    long start = System.nanoTime();
    List<InternalRow> rows;
    try {
      rows = collect(plans.toDataFrame(plan));
    } catch (Exception e) {
      // A failed job (its SparkException is checked, thrown undeclared from Scala): the kernel
      // decides what the failure means; its error then names the table and version.
      long engine = System.nanoTime() - start;
      LOG.warn("a Spark job answering a kernel phase failed; the kernel decides: {}", describe(e));
      NativeKernel.stepFailed(machine, describe(e), e);
      return engine;
    }
    try (ArrowArrayStream stream = RowStreams.export(plan.schema(), rows)) {
      long engine = System.nanoTime() - start;
      NativeKernel.step(machine, stream.memoryAddress());
      return engine;
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
