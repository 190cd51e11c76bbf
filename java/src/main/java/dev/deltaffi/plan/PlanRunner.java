package dev.deltaffi.plan;

import dev.deltaffi.kernel.ir.Plan;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where a kernel query plan runs. The phase driver hands every plan to this one seam, so that a
 * later choice (small plans in process, big ones as a Spark job) changes only the implementation.
 */
public interface PlanRunner {

  /** The plan's result, with exactly the plan schema's column names, types and nullability. */
  Dataset<Row> toDataFrame(Plan plan);
}
