package dev.deltaffi.spark;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableOrView;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.TimeZoneAwareExpression;
import org.apache.spark.sql.catalyst.plans.logical.AlterTableCommand;
import org.apache.spark.sql.catalyst.plans.logical.DeleteFromTable;
import org.apache.spark.sql.catalyst.plans.logical.InsertIntoStatement;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.MergeIntoTable;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.TruncatePartition;
import org.apache.spark.sql.catalyst.plans.logical.TruncateTable;
import org.apache.spark.sql.catalyst.plans.logical.UpdateTable;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractPartialFunction;

/**
 * delta-ffi relations of SQL statements, for paths ({@link DeltaFfiSqlParser}) and catalog tables
 * ({@link CatalogTables}) alike: the DataSource V2 relation and the read options of {@code VERSION
 * AS OF} / {@code TIMESTAMP AS OF}.
 */
final class SqlRelations {
  private SqlRelations() {}

  static LogicalPlan relation(
      Table table,
      Map<String, String> options,
      Option<CatalogPlugin> catalog,
      Option<Identifier> identifier) {
    return DataSourceV2Relation.create(
        table, catalog, identifier, new CaseInsensitiveStringMap(options), Option.empty());
  }

  /** The read option a {@code VERSION AS OF} or {@code TIMESTAMP AS OF} clause stands for. */
  static Map<String, String> timeTravelOptions(SparkSession session, RelationTimeTravel travel) {
    Map<String, String> options = new HashMap<>();
    if (travel.version().isDefined()) {
      options.put(DeltaOptions.VERSION_AS_OF.key, travel.version().get());
    } else {
      options.put(DeltaOptions.TIMESTAMP_AS_OF.key, timestamp(session, travel.timestamp().get()));
    }
    return options;
  }

  /**
   * {@code TIMESTAMP AS OF} must be a literal (a timestamp, or a string read as one in the session
   * time zone, as delta-spark reads it); the statement is not analysed yet.
   */
  private static String timestamp(SparkSession session, Expression expression) {
    String zone = session.sessionState().conf().sessionLocalTimeZone();
    Object micros;
    try {
      Expression zoned =
          expression.transform(
              new AbstractPartialFunction<Expression, Expression>() {
                @Override
                public boolean isDefinedAt(Expression e) {
                  return e instanceof TimeZoneAwareExpression aware && aware.timeZoneId().isEmpty();
                }

                @Override
                public Expression apply(Expression e) {
                  return (Expression) ((TimeZoneAwareExpression) e).withTimeZone(zone);
                }
              });
      micros = new Cast(zoned, DataTypes.TimestampType, Option.apply(zone)).eval(null);
    } catch (Exception e) {
      // Unresolved functions fail evaluation with Spark's internal error (checked in Java's eyes).
      throw new ReadOptions.InvalidOptionException(
          "TIMESTAMP AS OF needs a constant timestamp, got " + expression.sql(), e);
    }
    if (micros == null) {
      throw new ReadOptions.InvalidOptionException(
          "TIMESTAMP AS OF " + expression.sql() + " is not a timestamp");
    }
    long value = (Long) micros;
    // An instant with its zone, which timestampAsOf reads as it is.
    return Instant.ofEpochSecond(
            Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L)
        .toString();
  }

  /** The table a command {@code node} would change, unresolved; null for any other node. */
  static LogicalPlan writeTarget(LogicalPlan node) {
    if (node instanceof InsertIntoStatement insert) {
      return insert.table();
    } else if (node instanceof DeleteFromTable delete) {
      return delete.table();
    } else if (node instanceof UpdateTable update) {
      return update.table();
    } else if (node instanceof MergeIntoTable merge) {
      return merge.targetTable();
    } else if (node instanceof TruncateTable truncate) {
      return truncate.table();
    } else if (node instanceof TruncatePartition truncate) {
      return truncate.table();
    } else if (node instanceof AlterTableCommand alter) {
      return alter.table();
    } else if (node.getClass().getName().equals(DELTA_SPARK_RESTORE)
        && node.productElement(0) instanceof LogicalPlan travel
        && travel.productArity() > 0
        && travel.productElement(0) instanceof LogicalPlan table) {
      // RESTORE TABLE t TO VERSION AS OF n, as delta-spark's parser gives it (a time travel node
      // holding the table): delta-spark would answer "table not found" for a delta-ffi table.
      return table;
    }
    return null;
  }

  /** The statement delta-spark's SQL parser (when its extension is set) makes of RESTORE. */
  private static final String DELTA_SPARK_RESTORE =
      "org.apache.spark.sql.catalyst.plans.logical.RestoreTableStatement";

  /** The name an unresolved table names. */
  static Optional<Seq<String>> nameParts(LogicalPlan plan) {
    if (plan instanceof SubqueryAlias alias) {
      return nameParts(alias.child()); // MERGE INTO t AS target, UPDATE t AS u
    } else if (plan instanceof UnresolvedRelation relation) {
      return Optional.of(relation.multipartIdentifier());
    } else if (plan instanceof UnresolvedTableOrView table) {
      return Optional.of(table.multipartIdentifier());
    } else if (plan instanceof UnresolvedTable table) {
      return Optional.of(table.multipartIdentifier());
    }
    return Optional.empty();
  }
}
