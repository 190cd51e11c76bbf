package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.Plan;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine side of a kernel state machine: reads each phase, runs the query plans of Consume
 * phases on Spark and hands their rows back as Arrow C streams, passes PartialResult plans to the
 * caller, and stops at the Terminus. (The kernel's I/O never comes here: it is answered in process
 * through Hadoop FileSystem, see HadoopIo.)
 *
 * <p>A cancelled read stops here: an interrupted thread before the next phase (the native side
 * notices an interruption during a long kernel step itself), a cancelled Spark job instead of
 * handing its failure to the kernel, which might recover from it and go on. Either way a {@link
 * ReadCancelledException}; the caller's close of the machine unwinds the kernel call.
 */
final class PhaseDriver {
  /** The observer of phases driven on this thread, if any (see {@link PhaseObserver}). */
  static final ThreadLocal<PhaseObserver> OBSERVER = new ThreadLocal<>();

  private static final String[] KINDS = {"Consume", "PartialResult", "Terminus"};

  /** Spark's error conditions of a cancelled job (a job group, tag or session interrupt). */
  private static final Set<String> CANCELLATIONS =
      Set.of("SPARK_JOB_CANCELLED", "OPERATION_CANCELED");

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
      if (Thread.currentThread().isInterrupted()) {
        throw new ReadCancelledException(
            "planning was cancelled: the thread planning the read was interrupted");
      }
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
      rows = runOnSpark(() -> plans.toDataFrame(plan));
    } catch (ReadCancelledException e) {
      throw e;
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

  /**
   * Builds a kernel plan's frame and collects its rows on the driver, every Spark job of it under a
   * tag of its own. A cancelled job, or an interruption of this thread while it waits (which Spark
   * does not pass on to the job: it is cancelled here, by its tag), ends planning with a {@link
   * ReadCancelledException}.
   */
  static List<InternalRow> runOnSpark(Supplier<Dataset<Row>> frame) {
    SparkContext context = SparkSession.active().sparkContext();
    String tag = "delta-ffi-plan-" + UUID.randomUUID();
    context.addJobTag(tag);
    try {
      return Arrays.asList(
          ((org.apache.spark.sql.classic.Dataset<Row>) frame.get())
              .queryExecution()
              .executedPlan()
              .executeCollect());
    } catch (Throwable e) {
      if (isInterruption(e)) {
        context.cancelJobsWithTag(tag, "the thread planning a delta-ffi read was interrupted");
        Thread.currentThread().interrupt(); // the caller still learns of the interruption
        throw new ReadCancelledException(
            "planning was cancelled: the thread planning the read was interrupted", e);
      } else if (isCancellation(e)) {
        throw new ReadCancelledException(
            "planning was cancelled: a Spark job answering the kernel was cancelled", e);
      }
      throw e;
    } finally {
      context.removeJobTag(tag);
    }
  }

  /** Whether {@code e} (or a cause) is Spark's word that a job or operation was cancelled. */
  private static boolean isCancellation(Throwable e) {
    return causes(e)
        .anyMatch(
            t -> t instanceof SparkThrowable spark && CANCELLATIONS.contains(spark.getCondition()));
  }

  /** Whether {@code e} (or a cause) says this thread was interrupted while it waited. */
  private static boolean isInterruption(Throwable e) {
    return causes(e)
        .anyMatch(t -> t instanceof InterruptedException || t instanceof InterruptedIOException);
  }

  private static Stream<Throwable> causes(Throwable e) {
    // Throwable.getCause() is null for an exception that is its own cause: the walk ends.
    return Stream.iterate(e, Objects::nonNull, Throwable::getCause);
  }

  /** The exception and its causes, so the root cause (e.g. the corrupt file) stays visible. */
  private static String describe(Throwable e) {
    return causes(e)
        .map(t -> t.getClass().getSimpleName() + ": " + t.getMessage())
        .collect(Collectors.joining("; caused by: "));
  }
}
