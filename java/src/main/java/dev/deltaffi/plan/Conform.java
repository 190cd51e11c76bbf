package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
 * Gives a relation exactly a kernel schema: names by position, and nullability at every depth. A
 * field the schema declares non-nullable is checked row by row (a NULL there fails the query, as
 * the kernel fails on a missing required column); a field Spark knows to be non-null where the
 * schema allows NULL is widened.
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
          "Relation " + actual.simpleString() + " does not match plan schema " + target.simpleString());
    }
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      StructField from = actual.fields()[i];
      StructField to = target.fields()[i];
      Column column = ExpressionTranslator.column(List.of(from.name()));
      columns.add(
          tighten(column, from.dataType(), from.nullable(), to.dataType(), to.nullable(), to.name())
              .alias(to.name()));
    }
    // Spark widens nullability (and up-casts) by name; names now agree.
    return relation.select(columns.toArray(Column[]::new)).to(target);
  }

  private static Column tighten(
      Column column,
      DataType actual,
      boolean actualNullable,
      DataType target,
      boolean targetNullable,
      String path) {
    Column result = tightenNested(column, actual, target, path);
    return actualNullable && !targetNullable ? assertNotNull(result, path) : result;
  }

  private static Column tightenNested(Column column, DataType actual, DataType target, String path) {
    if (!tighter(actual, target)) {
      return column;
    } else if (actual instanceof StructType from && target instanceof StructType to) {
      List<Column> fields = new ArrayList<>();
      for (int i = 0; i < to.size(); i++) {
        StructField f = from.fields()[i];
        StructField t = to.fields()[i];
        Column field = column.getField(f.name());
        String fieldPath = path + "." + t.name();
        fields.add(
            tighten(field, f.dataType(), f.nullable(), t.dataType(), t.nullable(), fieldPath)
                .alias(t.name()));
      }
      return when(column.isNotNull(), struct(fields.toArray(Column[]::new)));
    } else if (actual instanceof ArrayType from && target instanceof ArrayType to) {
      return transform(
          column,
          e ->
              tighten(
                  e,
                  from.elementType(),
                  from.containsNull(),
                  to.elementType(),
                  to.containsNull(),
                  path + "[]"));
    }
    MapType from = (MapType) actual;
    MapType to = (MapType) target;
    return transform_values(
        column,
        (k, v) ->
            tighten(
                v,
                from.valueType(),
                from.valueContainsNull(),
                to.valueType(),
                to.valueContainsNull(),
                path + "{}"));
  }

  /** Whether {@code target} forbids a NULL somewhere below the top that {@code actual} allows. */
  private static boolean tighter(DataType actual, DataType target) {
    if (actual instanceof StructType from && target instanceof StructType to) {
      if (from.size() != to.size()) {
        throw new IllegalStateException(
            "Struct " + from.simpleString() + " does not match " + to.simpleString());
      }
      for (int i = 0; i < to.size(); i++) {
        StructField f = from.fields()[i];
        StructField t = to.fields()[i];
        if (f.nullable() && !t.nullable() || tighter(f.dataType(), t.dataType())) {
          return true;
        }
      }
      return false;
    } else if (actual instanceof ArrayType from && target instanceof ArrayType to) {
      return from.containsNull() && !to.containsNull()
          || tighter(from.elementType(), to.elementType());
    } else if (actual instanceof MapType from && target instanceof MapType to) {
      return from.valueContainsNull() && !to.valueContainsNull()
          || tighter(from.valueType(), to.valueType());
    }
    return false;
  }

  /** Fails the query with the field's path when the value is NULL; Spark then knows it non-null. */
  private static Column assertNotNull(Column column, String path) {
    AssertNotNull check =
        new AssertNotNull(
            ColumnConversions$.MODULE$.expression(column),
            CollectionConverters.asScala(List.of(path)).toSeq());
    return new Column(ExpressionColumnNode.apply(check));
  }
}
