package dev.deltaffi.spark;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParameterContext;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractPartialFunction;

/**
 * SQL on paths: {@code SELECT ... FROM `delta-ffi`.`/path/to/table`}, with delta-spark's {@code
 * @v123} / {@code @yyyyMMddHHmmssSSS} path suffixes and {@code VERSION AS OF} / {@code TIMESTAMP AS
 * OF}. Spark's own rule for SQL on files only takes file formats (it fails the query for any other
 * source before a later rule could resolve it), so the statement is rewritten as it is parsed: each
 * such relation becomes the {@code delta-ffi} table's DataSource V2 relation. {@code DESCRIBE
 * HISTORY} and {@code DESCRIBE DETAIL} of a delta-ffi table are answered here too ({@link
 * TableDescriptions}). Everything else is the wrapped parser's (Spark's, or delta-spark's when its
 * extension comes first).
 */
final class DeltaFfiSqlParser implements ParserInterface {
  private final SparkSession session;
  private final ParserInterface delegate;
  private final TableDescriptions descriptions;

  DeltaFfiSqlParser(SparkSession session, ParserInterface delegate) {
    this.session = session;
    this.delegate = delegate;
    this.descriptions = new TableDescriptions(session, delegate);
  }

  @Override
  public LogicalPlan parsePlan(String sqlText) throws ParseException {
    LogicalPlan described = descriptions.describe(sqlText);
    return described != null ? described : resolvePaths(delegate.parsePlan(sqlText));
  }

  @Override
  public LogicalPlan parsePlanWithParameters(String sqlText, ParameterContext parameters)
      throws ParseException {
    LogicalPlan described = descriptions.describe(sqlText);
    return described != null
        ? described
        : resolvePaths(delegate.parsePlanWithParameters(sqlText, parameters));
  }

  @Override
  public LogicalPlan parseQuery(String sqlText) throws ParseException {
    return resolvePaths(delegate.parseQuery(sqlText));
  }

  @Override
  public Expression parseExpression(String sqlText) throws ParseException {
    return delegate.parseExpression(sqlText);
  }

  @Override
  public TableIdentifier parseTableIdentifier(String sqlText) throws ParseException {
    return delegate.parseTableIdentifier(sqlText);
  }

  @Override
  public FunctionIdentifier parseFunctionIdentifier(String sqlText) throws ParseException {
    return delegate.parseFunctionIdentifier(sqlText);
  }

  @Override
  public Seq<String> parseMultipartIdentifier(String sqlText) throws ParseException {
    return delegate.parseMultipartIdentifier(sqlText);
  }

  @Override
  public StructType parseRoutineParam(String sqlText) throws ParseException {
    return delegate.parseRoutineParam(sqlText);
  }

  @Override
  public StructType parseTableSchema(String sqlText) throws ParseException {
    return delegate.parseTableSchema(sqlText);
  }

  @Override
  public DataType parseDataType(String sqlText) throws ParseException {
    return delegate.parseDataType(sqlText);
  }

  /**
   * The plan with each {@code `delta-ffi`.`path`} relation (in subqueries too) resolved; a failure
   * to load one leaves as a Spark error.
   */
  private LogicalPlan resolvePaths(LogicalPlan plan) {
    return DeltaFfiErrors.asSparkErrors(() -> pathsResolved(plan));
  }

  private LogicalPlan pathsResolved(LogicalPlan plan) {
    LogicalPlan target = SqlRelations.writeTarget(plan);
    String written = target == null ? null : namedPath(target);
    if (written != null) {
      throw DeltaFfiErrors.<RuntimeException>undeclared(DeltaFfiErrors.readOnly(written));
    }
    return plan.transformDownWithSubqueries(
        new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
          @Override
          public boolean isDefinedAt(LogicalPlan node) {
            return path(node) != null
                || (node instanceof RelationTimeTravel travel && path(travel.relation()) != null);
          }

          @Override
          public LogicalPlan apply(LogicalPlan node) {
            Map<String, String> options = new HashMap<>();
            if (node instanceof RelationTimeTravel travel) {
              options.put(DeltaOptions.PATH.key, path(travel.relation()));
              options.putAll(SqlRelations.timeTravelOptions(session, travel));
            } else {
              options.put(DeltaOptions.PATH.key, path(node));
            }
            DeltaFfiDataSource source = new DeltaFfiDataSource();
            return SqlRelations.relation(
                source.getTable(null, null, options), options, Option.empty(), Option.empty());
          }
        });
  }

  /** The table path of a {@code `delta-ffi`.`path`} relation, else null. */
  private static String path(LogicalPlan node) {
    return node instanceof UnresolvedRelation ? namedPath(node) : null;
  }

  /**
   * The table path a {@code `delta-ffi`.`path`} name (of a relation or a table) names, else null.
   */
  private static String namedPath(LogicalPlan node) {
    return SqlRelations.nameParts(node)
        .filter(
            name ->
                name.size() == 2
                    && name.head().toLowerCase(Locale.ROOT).equals(DeltaFfiDataSource.SHORT_NAME))
        .map(Seq::last)
        .orElse(null);
  }
}
