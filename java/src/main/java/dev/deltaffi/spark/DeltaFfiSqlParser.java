package dev.deltaffi.spark;

import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.TimeZoneAwareExpression;
import org.apache.spark.sql.catalyst.parser.ParameterContext;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractPartialFunction;

/**
 * SQL on paths: {@code SELECT ... FROM `delta-ffi`.`/path/to/table`}, with delta-spark's {@code
 * @v123} / {@code @yyyyMMddHHmmssSSS} path suffixes and {@code VERSION AS OF} / {@code TIMESTAMP AS
 * OF}. Spark's own rule for SQL on files only takes file formats (it fails the query for any other
 * source before a later rule could resolve it), so the statement is rewritten as it is parsed: each
 * such relation becomes the {@code delta-ffi} table's DataSource V2 relation. Everything else is
 * the wrapped parser's (Spark's, or delta-spark's when its extension comes first).
 */
final class DeltaFfiSqlParser implements ParserInterface {
  private final SparkSession session;
  private final ParserInterface delegate;

  DeltaFfiSqlParser(SparkSession session, ParserInterface delegate) {
    this.session = session;
    this.delegate = delegate;
  }

  @Override
  public LogicalPlan parsePlan(String sqlText) throws ParseException {
    return resolvePaths(delegate.parsePlan(sqlText));
  }

  @Override
  public LogicalPlan parsePlanWithParameters(String sqlText, ParameterContext parameters)
      throws ParseException {
    return resolvePaths(delegate.parsePlanWithParameters(sqlText, parameters));
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
              if (travel.version().isDefined()) {
                options.put(DeltaOptions.VERSION_AS_OF.key, travel.version().get());
              } else {
                options.put(DeltaOptions.TIMESTAMP_AS_OF.key, timestamp(travel.timestamp().get()));
              }
            } else {
              options.put(DeltaOptions.PATH.key, path(node));
            }
            return relation(options);
          }
        });
  }

  /** The table path of a {@code `delta-ffi`.`path`} relation, else null. */
  private static String path(LogicalPlan node) {
    if (node instanceof UnresolvedRelation relation) {
      Seq<String> name = relation.multipartIdentifier();
      if (name.size() == 2
          && name.head().toLowerCase(Locale.ROOT).equals(DeltaFfiDataSource.SHORT_NAME)) {
        return name.last();
      }
    }
    return null;
  }

  /**
   * {@code TIMESTAMP AS OF} must be a literal (a timestamp, or a string read as one in the session
   * time zone, as delta-spark reads it); the statement is not analysed yet.
   */
  private String timestamp(Expression expression) {
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

  private LogicalPlan relation(Map<String, String> options) {
    DeltaFfiDataSource source = new DeltaFfiDataSource();
    return DataSourceV2Relation.create(
        source.getTable(null, null, options),
        Option.empty(),
        Option.empty(),
        new CaseInsensitiveStringMap(options),
        Option.empty());
  }
}
