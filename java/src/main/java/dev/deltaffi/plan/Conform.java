package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_values;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Cast$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.KnownNullable;
import org.apache.spark.sql.catalyst.expressions.objects.AssertNotNull;
import org.apache.spark.sql.classic.ColumnConversions$;
import org.apache.spark.sql.classic.ExpressionColumnNode;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Gives a relation exactly a kernel schema: names by position, nullability at every depth. Where
 * the schema declares a field non-nullable the value is checked row by row (a NULL fails the query,
 * as the kernel fails on a missing required column); where Spark knows a field non-null that the
 * schema allows NULL in, the field is marked nullable. Spark's public API can do neither, hence two
 * Catalyst expressions (AssertNotNull, KnownNullable).
 */
final class Conform {

  private Conform() {}

  static Dataset<Row> toSchema(Dataset<Row> relation, StructType target) {
    StructType actual = relation.schema();
    if (actual.equals(target)) {
      return relation;
    }
    if (actual.size() != target.size()) {
      throw new IllegalStateException(
          "Relation "
              + actual.simpleString()
              + " does not match plan schema "
              + target.simpleString());
    }
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      StructField from = actual.fields()[i];
      StructField to = target.fields()[i];
      Column column = ExpressionTranslator.column(List.of(from.name()));
      columns.add(
          adjust(column, from.dataType(), from.nullable(), to.dataType(), to.nullable(), to.name())
              .alias(to.name()));
    }
    return relation.select(columns.toArray(Column[]::new));
  }

  /**
   * Fails the query on a row where a field the schema declares non-nullable is NULL while its
   * parent is present, as the kernel's readers do. Unlike {@link #toSchema}, it leaves the columns
   * untouched, so that Spark still pushes filters (row-group skipping) and column pruning into the
   * scan below. Checks stop at array elements and map values, whose nested fields go unchecked.
   */
  static Dataset<Row> checkRequired(Dataset<Row> relation, StructType schema) {
    Column check = null;
    for (StructField field : schema.fields()) {
      Column column = ExpressionTranslator.column(List.of(field.name()));
      check = required(check, column, field, lit(true), field.name());
    }
    return check == null ? relation : relation.filter(check.otherwise(lit(true)));
  }

  /** Adds the field's checks (and its nested fields') to a CASE of violations; parents first. */
  private static Column required(
      Column check, Column column, StructField field, Column present, String path) {
    if (!field.nullable()) {
      check = violation(check, present.and(column.isNull()), path);
    }
    DataType type = field.dataType();
    Column inside = present.and(column.isNotNull());
    if (type instanceof StructType struct) {
      for (StructField child : struct.fields()) {
        check =
            required(
                check, column.getField(child.name()), child, inside, path + "." + child.name());
      }
    } else if (type instanceof ArrayType array && !array.containsNull()) {
      check = violation(check, inside.and(exists(column, Column::isNull)), path + "[]");
    } else if (type instanceof MapType map && !map.valueContainsNull()) {
      check = violation(check, inside.and(exists(map_values(column), Column::isNull)), path + "{}");
    }
    return check;
  }

  private static Column violation(Column check, Column condition, String path) {
    Column error = raise_error(lit("Required field " + path + " is NULL or missing"));
    return check == null ? when(condition, error) : check.when(condition, error);
  }

  private static Column adjust(
      Column column,
      DataType actual,
      boolean actualNullable,
      DataType target,
      boolean targetNullable,
      String path) {
    Column result =
        actual.equals(target) ? column : adjustNested(column, actual, actualNullable, target, path);
    if (actualNullable && !targetNullable) {
      return wrap(
          new AssertNotNull(
              expression(result), CollectionConverters.asScala(List.of(path)).toSeq()));
    } else if (!actualNullable && targetNullable) {
      return wrap(new KnownNullable(expression(result)));
    }
    return result;
  }

  private static Column adjustNested(
      Column column, DataType actual, boolean nullable, DataType target, String path) {
    if (actual instanceof StructType from
        && target instanceof StructType to
        && from.size() == to.size()) {
      List<Column> fields = new ArrayList<>();
      for (int i = 0; i < to.size(); i++) {
        StructField f = from.fields()[i];
        StructField t = to.fields()[i];
        Column field = column.getField(f.name());
        String fieldPath = path + "." + t.name();
        fields.add(
            adjust(field, f.dataType(), f.nullable(), t.dataType(), t.nullable(), fieldPath)
                .alias(t.name()));
      }
      Column rebuilt = struct(fields.toArray(Column[]::new));
      return nullable ? when(column.isNotNull(), rebuilt) : rebuilt;
    } else if (actual instanceof ArrayType from && target instanceof ArrayType to) {
      return transform(
          column,
          e ->
              adjust(
                  e,
                  from.elementType(),
                  from.containsNull(),
                  to.elementType(),
                  to.containsNull(),
                  path + "[]"));
    } else if (actual instanceof MapType from
        && target instanceof MapType to
        && from.keyType().equals(to.keyType())) {
      return transform_values(
          column,
          (k, v) ->
              adjust(
                  v,
                  from.valueType(),
                  from.valueContainsNull(),
                  to.valueType(),
                  to.valueContainsNull(),
                  path + "{}"));
    } else if (Cast$.MODULE$.canUpCast(actual, target)) {
      return column.cast(target);
    }
    throw new IllegalStateException(
        path + " is " + actual.simpleString() + " where the plan has " + target.simpleString());
  }

  private static Expression expression(Column column) {
    return ColumnConversions$.MODULE$.expression(column);
  }

  private static Column wrap(Expression expression) {
    return new Column(ExpressionColumnNode.apply(expression));
  }
}
