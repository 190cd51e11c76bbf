package dev.deltaffi.kernel;

import dev.deltaffi.kernel.ir.Plan;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where a kernel query plan runs: the seam the facade needs for plans, implemented by
 * dev.deltaffi.plan.PlanTranslator (Spark DataFrames) and wired by the caller (see {@link
 * KernelEngine}).
 */
public interface PlanRunner {

  /** The plan's result, with exactly the plan schema's column names, types and nullability. */
  Dataset<Row> toDataFrame(Plan plan);
}
