package dev.deltaffi.plan;

import static dev.deltaffi.plan.Ir.BINARY;
import static dev.deltaffi.plan.Ir.INTEGER;
import static dev.deltaffi.plan.Ir.LONG;
import static dev.deltaffi.plan.Ir.STRING;
import static dev.deltaffi.plan.Ir.arrayLit;
import static dev.deltaffi.plan.Ir.lit;
import static dev.deltaffi.plan.Ir.notNull;
import static dev.deltaffi.plan.Ir.nullLit;
import static dev.deltaffi.plan.Ir.nullable;
import static dev.deltaffi.plan.Ir.struct;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparkTypesTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.start();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static KernelType primitive(String name) {
    return new KernelType.Primitive(name);
  }

  @Test
  void primitivesMapByName() {
    String[] names = {
      "string",
      "long",
      "integer",
      "short",
      "byte",
      "float",
      "double",
      "boolean",
      "binary",
      "date",
      "timestamp",
      "timestamp_ntz"
    };
    DataType[] expected = {
      DataTypes.StringType,
      DataTypes.LongType,
      DataTypes.IntegerType,
      DataTypes.ShortType,
      DataTypes.ByteType,
      DataTypes.FloatType,
      DataTypes.DoubleType,
      DataTypes.BooleanType,
      DataTypes.BinaryType,
      DataTypes.DateType,
      DataTypes.TimestampType,
      DataTypes.TimestampNTZType
    };
    for (int i = 0; i < names.length; i++) {
      assertEquals(expected[i], SparkTypes.toSpark(primitive(names[i])), names[i]);
    }
    assertEquals(
        DataTypes.createDecimalType(12, 3), SparkTypes.toSpark(new KernelType.Decimal(12, 3)));
  }

  @Test
  void unknownPrimitiveIsRejectedByName() {
    var e =
        assertThrows(
            UnsupportedOperationException.class, () -> SparkTypes.toSpark(primitive("geometry")));
    assertTrue(e.getMessage().contains("geometry"));
  }

  @Test
  void variantIsSparksVariant() {
    assertEquals(DataTypes.VariantType, SparkTypes.toSpark(primitive("variant")));
  }

  @Test
  void parquetFieldIdsOnlyWhenAskedFor() {
    KernelType.Struct kernel =
        new KernelType.Struct(
            List.of(
                new KernelType.Field(
                    "col-1", primitive("long"), true, Map.of("parquet.field.id", "7"))));
    assertEquals(
        7L,
        SparkTypes.withParquetFieldIds(kernel).fields()[0].metadata().getLong("parquet.field.id"));
    assertFalse(SparkTypes.toSpark(kernel).fields()[0].metadata().contains("parquet.field.id"));
  }

  @Test
  void nestedTypesKeepNamesAndNullabilityAtEveryDepth() {
    KernelType.Struct kernel =
        struct(
            notNull("a.b", LONG),
            nullable(
                "s",
                struct(
                    notNull("x", new KernelType.Array(STRING, false)),
                    nullable("m", new KernelType.MapType(STRING, INTEGER, true)))));
    StructType expected =
        new StructType()
            .add("a.b", DataTypes.LongType, false)
            .add(
                "s",
                new StructType()
                    .add("x", DataTypes.createArrayType(DataTypes.StringType, false), false)
                    .add(
                        "m",
                        DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType, true),
                        true),
                true);
    assertEquals(expected, SparkTypes.toSpark(kernel));
  }

  private static Row evaluate(Column... columns) {
    return spark.range(1).select(columns).first();
  }

  private static DataType typeOf(Column column) {
    return spark.range(1).select(column).schema().fields()[0].dataType();
  }

  @Test
  void primitiveLiteralsAreTyped() {
    Expr.Literal[] literals = {
      lit(primitive("boolean"), true),
      lit(primitive("byte"), (byte) 7),
      lit(primitive("short"), (short) -3),
      lit(INTEGER, 42),
      lit(LONG, 1L << 40),
      lit(primitive("float"), 1.5f),
      lit(primitive("double"), -0.25),
      lit(STRING, "x`y"),
      lit(BINARY, new byte[] {1, 2}),
      lit(new KernelType.Decimal(5, 2), new BigDecimal("123.45")),
      lit(primitive("date"), 19000),
      lit(primitive("timestamp"), 1_600_000_000_123_456L),
      lit(primitive("timestamp_ntz"), 1_600_000_000_123_456L)
    };
    Column[] columns = new Column[literals.length];
    for (int i = 0; i < literals.length; i++) {
      columns[i] = SparkTypes.literal(literals[i]);
      assertEquals(
          SparkTypes.toSpark(literals[i].type()), typeOf(columns[i]), literals[i].toString());
    }
    Row row = evaluate(columns);
    assertEquals(true, row.get(0));
    assertEquals((byte) 7, row.get(1));
    assertEquals((short) -3, row.get(2));
    assertEquals(42, row.get(3));
    assertEquals(1L << 40, row.get(4));
    assertEquals(1.5f, row.get(5));
    assertEquals(-0.25, row.get(6));
    assertEquals("x`y", row.get(7));
    assertArrayEquals(new byte[] {1, 2}, (byte[]) row.get(8));
    assertEquals(new BigDecimal("123.45"), row.get(9));
    assertEquals(java.sql.Date.valueOf(LocalDate.ofEpochDay(19000)), row.get(10));
    assertEquals(
        java.sql.Timestamp.from(Instant.parse("2020-09-13T12:26:40.123456Z")), row.get(11));
    assertEquals(LocalDateTime.parse("2020-09-13T12:26:40.123456"), row.get(12));
  }

  @Test
  void typedNullsKeepTheirType() {
    KernelType structType = struct(notNull("a", LONG));
    KernelType[] types = {
      LONG, STRING, new KernelType.Decimal(10, 1), structType, new KernelType.Array(LONG, true),
    };
    for (KernelType type : types) {
      Column column = SparkTypes.literal(nullLit(type));
      assertEquals(SparkTypes.toSpark(type), typeOf(column), type.toString());
      assertNull(evaluate(column).get(0));
    }
  }

  @Test
  void nestedLiterals() {
    KernelType.Struct inner = struct(nullable("k", STRING), nullable("n", LONG));
    KernelType.MapType mapType = new KernelType.MapType(STRING, LONG, true);
    Expr.Literal structLiteral = lit(inner, List.of(lit("v"), nullLit(LONG)));
    Expr.Literal array = arrayLit(inner, structLiteral, nullLit(inner));
    Expr.Literal map =
        lit(
            mapType,
            new Expr.MapEntries(List.of(lit("a"), lit("b")), List.of(lit(1L), nullLit(LONG))));
    Expr.Literal emptyArray = arrayLit(LONG);
    Expr.Literal emptyMap = lit(mapType, new Expr.MapEntries(List.of(), List.of()));

    Row row =
        evaluate(
            SparkTypes.literal(array),
            SparkTypes.literal(map),
            SparkTypes.literal(emptyArray),
            SparkTypes.literal(emptyMap));
    List<Row> elements = row.getList(0);
    assertEquals(2, elements.size());
    assertEquals("v", elements.get(0).getString(0));
    assertTrue(elements.get(0).isNullAt(1));
    assertNull(elements.get(1));
    java.util.Map<String, Long> entries = row.getJavaMap(1);
    assertEquals(2, entries.size());
    assertEquals(1L, entries.get("a"));
    assertTrue(entries.containsKey("b"));
    assertNull(entries.get("b"));
    assertEquals(0, row.getList(2).size());
    assertEquals(0, row.getJavaMap(3).size());
    assertEquals(SparkTypes.toSpark(array.type()), typeOf(SparkTypes.literal(array)));
    assertEquals(SparkTypes.toSpark(mapType), typeOf(SparkTypes.literal(emptyMap)));
  }
}
