package dev.deltaffi.testing;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.VariantType;

/**
 * The one comparison of query answers used by every suite: the same column names and types (not
 * nullability, not field metadata) and equal multisets of rows, computed by Spark so large tables
 * never come to the driver.
 */
public final class DataFrameAssert {

  private static final int SHOWN_ROWS = 10;
  private static final String SURPLUS = "__surplus";

  private DataFrameAssert() {}

  public static void assertSameAnswer(Dataset<Row> expected, Dataset<Row> actual, String context) {
    assertSameSchema(expected.schema(), actual.schema(), context);
    // One job: count each distinct row on both sides; a row whose counts differ is a difference.
    Column[] row =
        Arrays.stream(expected.columns()).map(name -> col(quoted(name))).toArray(Column[]::new);
    List<Row> differences =
        comparable(expected)
            .withColumn(SURPLUS, lit(1L))
            .unionByName(comparable(actual).withColumn(SURPLUS, lit(-1L)))
            .groupBy(row)
            .agg(sum(SURPLUS).as(SURPLUS))
            .filter(col(SURPLUS).notEqual(0))
            .limit(SHOWN_ROWS)
            .collectAsList();
    if (!differences.isEmpty()) {
      fail(
          context
              + ": rows differ (last column: how many more times the row was expected than read,"
              + " first "
              + SHOWN_ROWS
              + " differences)\n  "
              + differences.stream().map(Row::toString).collect(Collectors.joining("\n  ")));
    }
  }

  public static void assertSameSchema(StructType expected, StructType actual, String context) {
    if (!plain(expected).equals(plain(actual))) {
      fail(
          context
              + ": schemas differ\n  expected: "
              + expected.simpleString()
              + "\n  read:     "
              + actual.simpleString());
    }
  }

  /** The type without nullability and field metadata, which the comparison ignores. */
  private static DataType plain(DataType type) {
    if (type instanceof StructType struct) {
      return new StructType(
          Arrays.stream(struct.fields())
              .map(f -> new StructField(f.name(), plain(f.dataType()), true, Metadata.empty()))
              .toArray(StructField[]::new));
    } else if (type instanceof ArrayType array) {
      return new ArrayType(plain(array.elementType()), true);
    } else if (type instanceof MapType map) {
      return new MapType(plain(map.keyType()), plain(map.valueType()), true);
    }
    return type;
  }

  /**
   * Spark cannot compare maps or variants in set operations: each map becomes its sorted entries,
   * each variant its JSON text.
   */
  private static Dataset<Row> comparable(Dataset<Row> df) {
    Column[] columns =
        Arrays.stream(df.schema().fields())
            .map(f -> comparable(col(quoted(f.name())), f.dataType()).as(f.name()))
            .toArray(Column[]::new);
    return df.select(columns);
  }

  private static Column comparable(Column column, DataType type) {
    if (!needsRewrite(type)) {
      return column;
    } else if (type instanceof VariantType) {
      return column.cast(DataTypes.StringType);
    } else if (type instanceof MapType map) {
      return array_sort(
          transform(
              map_entries(column),
              entry ->
                  struct(
                      comparable(entry.getField("key"), map.keyType()).as("key"),
                      comparable(entry.getField("value"), map.valueType()).as("value"))));
    } else if (type instanceof ArrayType array) {
      return transform(column, element -> comparable(element, array.elementType()));
    }
    StructType struct = (StructType) type;
    Column[] fields =
        Arrays.stream(struct.fields())
            .map(f -> comparable(column.getField(f.name()), f.dataType()).as(f.name()))
            .toArray(Column[]::new);
    return when(column.isNull(), lit(null)).otherwise(struct(fields));
  }

  private static boolean needsRewrite(DataType type) {
    if (type instanceof MapType || type instanceof VariantType) {
      return true;
    } else if (type instanceof ArrayType array) {
      return needsRewrite(array.elementType());
    } else if (type instanceof StructType struct) {
      return Arrays.stream(struct.fields()).anyMatch(f -> needsRewrite(f.dataType()));
    }
    return false;
  }

  /**
   * Each query applied to the table at {@code location} (at {@code version}; empty: latest) read by
   * delta-spark (the oracle) and by the format under test: same schema, same rows.
   */
  @SafeVarargs
  public static void assertSameReads(
      String location, OptionalLong version, UnaryOperator<Dataset<Row>>... queries) {
    for (int i = 0; i < queries.length; i++) {
      assertSameAnswer(
          queries[i].apply(TestSpark.readOracle(location, version)),
          queries[i].apply(TestSpark.readUnderTest(location, version)),
          location
              + " version "
              + (version.isPresent() ? version.getAsLong() : "latest")
              + " query #"
              + i);
    }
  }

  /** A column name as a literal identifier (names may hold dots or backticks). */
  public static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
