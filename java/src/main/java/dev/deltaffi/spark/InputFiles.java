package dev.deltaffi.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.ExperimentalMethods;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.FileRelation;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code Dataset.inputFiles()} for delta-ffi scans. Spark answers it from the optimised plan's
 * {@link FileRelation} nodes only, and a DataSource V2 scan is none. So once the optimiser has
 * pushed filters and columns into the scan, each delta-ffi scan (with the projections and filters
 * Spark plans together with it) is wrapped in a {@link Files} node, which reports the files the
 * kernel selected; planning removes the node again, so the physical plan is Spark's own.
 *
 * <p>Spark runs no extension rule after its scan push-down; its experimental hooks ({@code
 * spark.experimental.extraOptimizations} and {@code extraStrategies}) are the ones it runs there,
 * so the rule and the strategy are added to those of every session that reads a delta-ffi table.
 */
final class InputFiles {
  private InputFiles() {}

  /** Adds the rule and strategy to {@code session}'s experimental methods, once. */
  static void install(SparkSession session) {
    ExperimentalMethods experimental = session.experimental();
    synchronized (experimental) {
      List<Rule<LogicalPlan>> rules =
          new ArrayList<>(CollectionConverters.asJava(experimental.extraOptimizations()));
      if (rules.stream().noneMatch(WrapScans.class::isInstance)) {
        rules.add(WRAP);
        experimental.extraOptimizations_$eq(CollectionConverters.asScala(rules).toSeq());
      }
      List<SparkStrategy> strategies =
          new ArrayList<>(CollectionConverters.asJava(experimental.extraStrategies()));
      if (strategies.stream().noneMatch(Unwrap.class::isInstance)) {
        strategies.add(UNWRAP);
        experimental.extraStrategies_$eq(CollectionConverters.asScala(strategies).toSeq());
      }
    }
  }

  private static final WrapScans WRAP = new WrapScans();
  private static final Unwrap UNWRAP = new Unwrap();

  /**
   * The delta-ffi scan {@code plan} reads when it is a scan, possibly under projections and
   * filters; null otherwise.
   */
  private static DeltaFfiScan scanOf(LogicalPlan plan) {
    LogicalPlan node = plan;
    while (node instanceof Project || node instanceof Filter) {
      node = node.children().head();
    }
    return node instanceof DataSourceV2ScanRelation relation
            && relation.scan() instanceof DeltaFfiScan scan
        ? scan
        : null;
  }

  /** A delta-ffi scan (under its projections and filters) reporting the files it reads. */
  public static final class Files extends LogicalPlan implements FileRelation {
    private final LogicalPlan child;
    private final Seq<LogicalPlan> children;

    public Files(LogicalPlan child) {
      this.child = child;
      this.children = CollectionConverters.asScala(List.of(child)).toSeq();
    }

    @Override
    public String nodeName() {
      return "DeltaFfiInputFiles";
    }

    @Override
    public String[] inputFiles() {
      return Objects.requireNonNull(scanOf(child)).inputFiles();
    }

    @Override
    public Seq<Attribute> output() {
      return child.output();
    }

    @Override
    public Seq<LogicalPlan> children() {
      return children;
    }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
      return new Files(newChildren.head());
    }

    @Override
    public int productArity() {
      return 1;
    }

    @Override
    public Object productElement(int n) {
      if (n != 0) {
        throw new IndexOutOfBoundsException(n);
      }
      return child;
    }

    @Override
    public boolean canEqual(Object other) {
      return other instanceof Files;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Files files && files.child.equals(child);
    }

    @Override
    public int hashCode() {
      return child.hashCode();
    }
  }

  /** Wraps each delta-ffi scan, with the projections and filters above it, in {@link Files}. */
  private static final class WrapScans extends Rule<LogicalPlan> {
    @Override
    public LogicalPlan apply(LogicalPlan plan) {
      // A command's plan answers no inputFiles(), and its relations are Spark's to check.
      if (plan instanceof Files || plan instanceof Command) {
        return plan;
      }
      if (scanOf(plan) != null) {
        return new Files(plan);
      }
      return plan.mapChildren(
          new scala.runtime.AbstractFunction1<LogicalPlan, LogicalPlan>() {
            @Override
            public LogicalPlan apply(LogicalPlan child) {
              return WrapScans.this.apply(child);
            }
          });
    }
  }

  /** Plans {@link Files} as what it wraps. */
  private static final class Unwrap extends SparkStrategy {
    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
      return plan instanceof Files files
          ? CollectionConverters.asScala(List.of(planLater(files.child))).toSeq()
          : CollectionConverters.asScala(List.<SparkPlan>of()).toSeq();
    }
  }
}
