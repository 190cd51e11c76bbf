package dev.deltaffi.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import scala.jdk.javaapi.CollectionConverters;

/** The nodes of Spark physical plans, found through adaptive execution's final plan and stages. */
public final class PhysicalPlans {

  private PhysicalPlans() {}

  /** The one node of {@code type} in {@code plan}. */
  public static <T> T only(SparkPlan plan, Class<T> type) {
    List<T> found = all(plan, type);
    assertEquals(1, found.size(), plan.toString());
    return found.get(0);
  }

  /** The nodes of {@code type} in {@code plan}. */
  public static <T> List<T> all(SparkPlan plan, Class<T> type) {
    List<T> found = new ArrayList<>();
    collect(plan, type, found);
    return found;
  }

  private static <T> void collect(SparkPlan plan, Class<T> type, List<T> found) {
    if (type.isInstance(plan)) {
      found.add(type.cast(plan));
    }
    if (plan instanceof AdaptiveSparkPlanExec adaptive) {
      collect(adaptive.executedPlan(), type, found);
    } else if (plan instanceof QueryStageExec stage) {
      collect(stage.plan(), type, found);
    }
    for (SparkPlan child : CollectionConverters.asJava(plan.children())) {
      collect(child, type, found);
    }
  }
}
