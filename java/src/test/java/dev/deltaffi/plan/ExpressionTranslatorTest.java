package dev.deltaffi.plan;

import static dev.deltaffi.plan.Ir.BINARY;
import static dev.deltaffi.plan.Ir.BOOLEAN;
import static dev.deltaffi.plan.Ir.DOUBLE;
import static dev.deltaffi.plan.Ir.INTEGER;
import static dev.deltaffi.plan.Ir.LONG;
import static dev.deltaffi.plan.Ir.STRING;
import static dev.deltaffi.plan.Ir.arrayLit;
import static dev.deltaffi.plan.Ir.binary;
import static dev.deltaffi.plan.Ir.col;
import static dev.deltaffi.plan.Ir.lit;
import static dev.deltaffi.plan.Ir.nullLit;
import static dev.deltaffi.plan.Ir.nullable;
import static dev.deltaffi.plan.Ir.predicate;
import static dev.deltaffi.plan.Ir.struct;
import static dev.deltaffi.plan.Ir.structExpr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Pred;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ExpressionTranslatorTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.start();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  // --- helpers

  /** A relation of the given rows; each row is one Object[]. */
  private static Dataset<Row> relation(StructType schema, Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] row : rows) {
      list.add(RowFactory.create(row));
    }
    return spark.createDataFrame(list, schema);
  }

  private static Object[] row(Object... values) {
    return values;
  }

  /** The expression's value on each input row, in input order. */
  private static List<Object> values(Dataset<Row> input, Expr expr, KernelType expected) {
    Column column = new ExpressionTranslator(input).expression(expr, expected);
    return input.select(column).collectAsList().stream().map(r -> r.get(0)).toList();
  }

  private static List<Object> truth(Dataset<Row> input, Pred pred) {
    Column column = new ExpressionTranslator(input).predicate(pred);
    return input.select(column).collectAsList().stream().map(r -> r.get(0)).toList();
  }

  private static Dataset<Row> oneRow() {
    return spark.range(1).toDF();
  }

  private static Object single(Expr expr, KernelType expected) {
    return values(oneRow(), expr, expected).get(0);
  }

  /** Fails unless running {@code action} throws with {@code fragment} somewhere in its causes. */
  static void assertFailsWith(String fragment, Executable action) {
    Throwable thrown = assertThrows(Throwable.class, action);
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains(fragment)) {
        return;
      }
    }
    fail("expected an error containing '" + fragment + "', got " + thrown, thrown);
  }

  private static List<Object> list(Object... values) {
    return Arrays.asList(values);
  }

  // --- columns and literals

  @Test
  void columnsResolveNestedPathsByNameWithSpecialCharacters() {
    StructType inner = new StructType().add("v", DataTypes.LongType);
    StructType schema =
        new StructType()
            .add("a.b", DataTypes.LongType)
            .add("s", new StructType().add("x`y", DataTypes.StringType).add("in ner", inner));
    Dataset<Row> input =
        relation(schema, row(1L, RowFactory.create("p", RowFactory.create(5L))), row(2L, null));
    assertEquals(list(1L, 2L), values(input, col("a.b"), LONG));
    assertEquals(list("p", null), values(input, col("s", "x`y"), STRING));
    assertEquals(list(5L, null), values(input, col("s", "in ner", "v"), LONG));
  }

  // --- structs

  @Test
  void structIsNullWhereKeepIsNotTrue() {
    StructType schema =
        new StructType().add("keep", DataTypes.BooleanType).add("v", DataTypes.LongType);
    Dataset<Row> input = relation(schema, row(true, 1L), row(false, 2L), row(null, 3L));
    Expr expr = new Expr.Struct(List.of(col("v")), col("keep"));
    KernelType.Struct type = struct(nullable("renamed", LONG));
    assertEquals(list(RowFactory.create(1L), null, null), values(input, expr, type));
    Column column = new ExpressionTranslator(input).expression(expr, type);
    assertEquals(
        new StructType().add("renamed", DataTypes.LongType, true),
        input.select(column).schema().fields()[0].dataType());
  }

  @Test
  void structNeedsAStructTypeWithTheSameArity() {
    Dataset<Row> input = oneRow();
    assertFailsWith("needs a struct result type", () -> values(input, structExpr(lit(1L)), LONG));
    assertFailsWith(
        "2 fields", () -> values(input, structExpr(lit(1L), lit(2L)), struct(nullable("a", LONG))));
  }

  private static final StructType ABCD =
      new StructType()
          .add("a", DataTypes.StringType)
          .add("b", DataTypes.StringType)
          .add("c", DataTypes.StringType)
          .add("d", DataTypes.StringType);

  @Test
  void structPatchWalksInputFieldsInOrder() {
    Dataset<Row> input = relation(ABCD, row("a", "b", "c", "d"));
    // Listed out of input order on purpose: the walk must follow the input, not the map.
    Map<String, Expr.FieldPatch> patches = new LinkedHashMap<>();
    patches.put("c", new Expr.FieldPatch(false, List.of(), false)); // drop
    patches.put("zz", new Expr.FieldPatch(false, List.of(), true)); // optional, absent
    patches.put("b", new Expr.FieldPatch(false, List.of(lit(99L)), false)); // replace
    patches.put("a", new Expr.FieldPatch(true, List.of(lit("after a")), false)); // insert after
    Expr.StructPatch patch =
        new Expr.StructPatch(List.of(), patches, List.of(lit(0L)), List.of(lit("last")));
    KernelType.Struct schema =
        struct(
            nullable("first", LONG),
            nullable("A", STRING),
            nullable("x", STRING),
            nullable("bb", LONG),
            nullable("d", STRING),
            nullable("z", STRING));
    List<Column> columns = new ExpressionTranslator(input).projection(patch, schema);
    Dataset<Row> out = input.select(columns.toArray(Column[]::new));
    assertArrayEquals(new String[] {"first", "A", "x", "bb", "d", "z"}, out.columns());
    assertEquals(RowFactory.create(0L, "a", "after a", 99L, "d", "last"), out.first());
  }

  @Test
  void structPatchRejectsAMissingRequiredFieldAndAnArityMismatch() {
    Dataset<Row> input = relation(ABCD, row("a", "b", "c", "d"));
    ExpressionTranslator translator = new ExpressionTranslator(input);
    Expr.StructPatch missing =
        new Expr.StructPatch(
            List.of(),
            Map.of("nope", new Expr.FieldPatch(false, List.of(), false)),
            List.of(),
            List.of());
    KernelType.Struct four =
        struct(
            nullable("a", STRING),
            nullable("b", STRING),
            nullable("c", STRING),
            nullable("d", STRING));
    assertFailsWith(
        "Field to patch does not exist: nope", () -> translator.projection(missing, four));
    Expr.StructPatch identity = new Expr.StructPatch(List.of(), Map.of(), List.of(), List.of());
    assertFailsWith(
        "more fields", () -> translator.projection(identity, struct(nullable("a", STRING))));
    assertFailsWith(
        "fewer fields",
        () ->
            translator.projection(
                identity,
                struct(
                    nullable("a", STRING),
                    nullable("b", STRING),
                    nullable("c", STRING),
                    nullable("d", STRING),
                    nullable("e", STRING))));
  }

  @Test
  void nestedStructPatchKeepsANullInputStructNull() {
    StructType schema =
        new StructType()
            .add("s", new StructType().add("x", DataTypes.LongType).add("y", DataTypes.LongType));
    Dataset<Row> input = relation(schema, row(RowFactory.create(1L, 2L)), row((Object) null));
    Expr.StructPatch nested =
        new Expr.StructPatch(
            List.of("s"),
            Map.of("y", new Expr.FieldPatch(false, List.of(lit(7L)), false)),
            List.of(),
            List.of(col("s", "x")));
    KernelType.Struct type = struct(nullable("x", LONG), nullable("z", LONG), nullable("x2", LONG));
    assertEquals(list(RowFactory.create(1L, 7L, 1L), null), values(input, nested, type));
  }

  // --- JSON

  @Test
  void parseJsonIsPermissive() {
    StructType schema = new StructType().add("j", DataTypes.StringType);
    Dataset<Row> input =
        relation(
            schema,
            row("{\"a\":1,\"b\":\"x\",\"ts\":\"2021-01-01T00:00:00.5\"}"),
            row("{not json"),
            row(""),
            row((Object) null),
            row("{\"a\":\"not a number\",\"b\":\"y\"}"));
    KernelType.Struct parsed =
        struct(
            nullable("a", LONG),
            nullable("b", STRING),
            nullable("ts", new KernelType.Primitive("timestamp")));
    List<Object> result = values(input, new Expr.ParseJson(col("j"), parsed), parsed);
    assertEquals(
        RowFactory.create(1L, "x", Timestamp.from(Instant.parse("2021-01-01T00:00:00.5Z"))),
        result.get(0));
    // Unparseable input is NULL: a NULL struct or a struct of NULLs, never an error.
    for (int i = 1; i < 4; i++) {
      Row row = (Row) result.get(i);
      assertTrue(
          row == null || row.anyNull() && row.get(0) == null && row.get(1) == null, "" + row);
    }
    Row mismatch = (Row) result.get(4);
    assertTrue(mismatch == null || mismatch.isNullAt(0), "" + mismatch);
  }

  @Test
  void toJsonWritesHexBinaryAndMillisecondTimestamps() {
    KernelType.Struct inner = struct(nullable("z", INTEGER));
    KernelType.Struct type =
        struct(
            nullable("b", BINARY),
            nullable("ts", new KernelType.Primitive("timestamp")),
            nullable("ntz", new KernelType.Primitive("timestamp_ntz")),
            nullable("n", inner),
            nullable("l", new KernelType.Array(INTEGER, true)),
            nullable("gone", STRING));
    Expr.Literal value =
        lit(
            type,
            List.of(
                lit(BINARY, new byte[] {(byte) 0xAB, (byte) 0xCD}),
                lit(new KernelType.Primitive("timestamp"), 1_783_007_755_298_677L),
                lit(new KernelType.Primitive("timestamp_ntz"), -1_500L),
                lit(inner, List.of(lit(7))),
                arrayLit(INTEGER, lit(1), lit(2)),
                nullLit(STRING)));
    Dataset<Row> input =
        oneRow()
            .select(SparkTypes.literal(value).as("s"), SparkTypes.literal(nullLit(type)).as("n"));
    assertEquals(
        list(
            "{\"b\":\"abcd\",\"ts\":\"2026-07-02T15:55:55.298Z\",\"ntz\":\"1969-12-31T23:59:59.998\","
                + "\"n\":{\"z\":7},\"l\":[1,2]}"),
        values(input, new Expr.Unary("TO_JSON", col("s")), STRING));
    assertEquals(list((Object) null), values(input, new Expr.Unary("TO_JSON", col("n")), STRING));
    assertFailsWith(
        "TO_JSON needs a struct", () -> values(input, new Expr.Unary("TO_JSON", lit(1L)), STRING));
  }

  // --- MapToStruct (partition values)

  private static Dataset<Row> partitionValues(List<Map<String, String>> maps) {
    StructType schema =
        new StructType()
            .add("pv", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true));
    return relation(schema, maps.stream().map(m -> row(m)).toArray(Object[][]::new));
  }

  private static List<Object> parsePartitions(
      List<Map<String, String>> maps, KernelType.Struct type, String timezone) {
    Dataset<Row> input = partitionValues(maps);
    List<Object> rows = values(input, new Expr.MapToStruct(col("pv"), timezone), type);
    return rows;
  }

  private static Object parseOne(String value, KernelType type, String timezone) {
    Map<String, String> map = new HashMap<>();
    map.put("p", value);
    Row row = (Row) parsePartitions(List.of(map), struct(nullable("p", type)), timezone).get(0);
    return row.get(0);
  }

  private static void assertParseFails(String value, KernelType type) {
    assertFailsWith(
        "Failed to parse partition value '" + value + "' of field `p`",
        () -> parseOne(value, type, null));
  }

  private static final KernelType TIMESTAMP = new KernelType.Primitive("timestamp");
  private static final KernelType TIMESTAMP_NTZ = new KernelType.Primitive("timestamp_ntz");
  private static final KernelType DATE = new KernelType.Primitive("date");

  @Test
  void mapToStructParsesEachTypeAndKeepsNullMapsNull() {
    KernelType.Struct type =
        struct(
            nullable("s", STRING),
            nullable("bin", BINARY),
            nullable("i", INTEGER),
            nullable("l", LONG),
            nullable("by", new KernelType.Primitive("byte")),
            nullable("sh", new KernelType.Primitive("short")),
            nullable("b", BOOLEAN),
            nullable("f", new KernelType.Primitive("float")),
            nullable("d", DOUBLE),
            nullable("dec", new KernelType.Decimal(5, 2)),
            nullable("date", DATE),
            nullable("ts", TIMESTAMP),
            nullable("ntz", TIMESTAMP_NTZ));
    Map<String, String> full = new HashMap<>();
    full.put("s", "a b");
    full.put("bin", "hi");
    full.put("i", "-12");
    full.put("l", "+9000000000");
    full.put("by", "7");
    full.put("sh", "300");
    full.put("b", "TRUE");
    full.put("f", "1.5");
    full.put("d", "-1e3");
    full.put("dec", "123.45");
    full.put("date", "2021-9-8");
    full.put("ts", "2021-01-01 10:00:00");
    full.put("ntz", "2021-01-01 10:00:00.123456");
    full.put("ignored", "x");
    Map<String, String> empty = new HashMap<>();
    for (String key : full.keySet()) {
      empty.put(key, "");
    }
    Map<String, String> partial = Map.of("i", "5");
    List<Map<String, String>> maps = new ArrayList<>(List.of(full, empty, partial));
    maps.add(null);
    List<Object> rows = parsePartitions(maps, type, null);

    Row parsed = (Row) rows.get(0);
    assertEquals("a b", parsed.get(0));
    assertArrayEquals("hi".getBytes(), (byte[]) parsed.get(1));
    assertEquals(-12, parsed.get(2));
    assertEquals(9_000_000_000L, parsed.get(3));
    assertEquals((byte) 7, parsed.get(4));
    assertEquals((short) 300, parsed.get(5));
    assertEquals(true, parsed.get(6));
    assertEquals(1.5f, parsed.get(7));
    assertEquals(-1000.0, parsed.get(8));
    assertEquals(new BigDecimal("123.45"), parsed.get(9));
    assertEquals(java.sql.Date.valueOf(LocalDate.of(2021, 9, 8)), parsed.get(10));
    assertEquals(Timestamp.from(Instant.parse("2021-01-01T10:00:00Z")), parsed.get(11));
    assertEquals(LocalDateTime.parse("2021-01-01T10:00:00.123456"), parsed.get(12));

    // "" is NULL except for string ("") and binary (empty bytes).
    Row blank = (Row) rows.get(1);
    assertEquals("", blank.get(0));
    assertArrayEquals(new byte[0], (byte[]) blank.get(1));
    for (int i = 2; i < type.fields().size(); i++) {
      assertTrue(blank.isNullAt(i), type.fields().get(i).name());
    }
    // A missing key is a NULL field of a non-NULL struct; a NULL map is a NULL struct.
    Row missing = (Row) rows.get(2);
    assertEquals(5, missing.get(2));
    assertTrue(missing.isNullAt(0) && missing.isNullAt(3));
    assertNull(rows.get(3));
  }

  @Test
  void mapToStructBooleansAreOnlyTrueOrFalse() {
    assertEquals(false, parseOne("fAlSe", BOOLEAN, null));
    assertParseFails("1", BOOLEAN);
    assertParseFails("yes", BOOLEAN);
  }

  @Test
  void mapToStructIntegersMustBeBase10InRange() {
    assertEquals(5, parseOne("+5", INTEGER, null));
    assertParseFails("3000000000", INTEGER);
    assertParseFails("1.0", INTEGER);
    assertParseFails(" 1", INTEGER);
  }

  @Test
  void mapToStructDecimalsNeedTheExactScaleAndNeverRound() {
    KernelType decimal = new KernelType.Decimal(5, 2);
    assertEquals(new BigDecimal("1.50"), parseOne("1.50", decimal, null));
    assertEquals(new BigDecimal("1.50"), parseOne("150e-2", decimal, null));
    assertEquals(new BigDecimal("-0.05"), parseOne("-.05", decimal, null));
    assertParseFails("1.5", decimal);
    assertParseFails("1.234", decimal);
    assertParseFails("1234.00", decimal);
    assertParseFails("abc", decimal);
  }

  @Test
  void mapToStructFloatsAcceptSpecialValues() {
    assertTrue(Double.isNaN((Double) parseOne("NaN", DOUBLE, null)));
    assertTrue(Double.isNaN((Double) parseOne("-nan", DOUBLE, null)));
    assertEquals(Double.NEGATIVE_INFINITY, parseOne("-Infinity", DOUBLE, null));
    assertEquals(Double.POSITIVE_INFINITY, parseOne("inf", DOUBLE, null));
    assertEquals(0.5, parseOne(".5", DOUBLE, null));
    assertParseFails("1.5d", DOUBLE);
  }

  @Test
  void mapToStructTimestampsWithoutOffsetAreUtcNotTheSessionZone() {
    String previous = spark.conf().get("spark.sql.session.timeZone");
    spark.conf().set("spark.sql.session.timeZone", "America/Los_Angeles");
    try {
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T10:00:00Z")),
          parseOne("2021-01-01 10:00:00", TIMESTAMP, null));
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T00:00:00Z")),
          parseOne("2021-01-01", TIMESTAMP, null));
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T09:00:00.5Z")),
          parseOne("2021-01-01T10:00:00.5+01:00", TIMESTAMP, null));
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T10:00:00Z")),
          parseOne("2021-01-01t10:00:00Z", TIMESTAMP, null));
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T15:00:00Z")),
          parseOne("2021-01-01 10:00:00", TIMESTAMP, "America/New_York"));
      assertEquals(
          Timestamp.from(Instant.parse("2021-01-01T04:30:00Z")),
          parseOne("2021-01-01 10:00:00", TIMESTAMP, "+05:30"));
      // The reader zone never moves a wall-clock timestamp_ntz.
      assertEquals(
          LocalDateTime.parse("2021-01-01T10:00:00"),
          parseOne("2021-01-01 10:00:00", TIMESTAMP_NTZ, "America/New_York"));
    } finally {
      spark.conf().set("spark.sql.session.timeZone", previous);
    }
    assertParseFails("2021-01-01 25:00:00", TIMESTAMP);
    assertParseFails("yesterday", TIMESTAMP);
    assertParseFails("2021", TIMESTAMP);
  }

  @Test
  void mapToStructDatesAreYearMonthDay() {
    assertEquals(
        java.sql.Date.valueOf(LocalDate.of(2021, 12, 31)), parseOne("2021-12-31", DATE, null));
    assertParseFails("2021-13-01", DATE);
    assertParseFails("2021", DATE);
  }

  @Test
  void mapToStructRejectsNestedFieldTypes() {
    assertFailsWith("non-primitive", () -> parseOne("x", struct(nullable("a", LONG)), null));
  }

  // --- predicates

  @Test
  void comparisonsAreNullIntolerant() {
    StructType schema = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType);
    Dataset<Row> input = relation(schema, row(1L, 2L), row(2L, 2L), row(null, 2L));
    assertEquals(list(true, false, null), truth(input, binary("LESS_THAN", col("a"), col("b"))));
    assertEquals(
        list(false, false, null), truth(input, binary("GREATER_THAN", col("a"), col("b"))));
    assertEquals(list(false, true, null), truth(input, binary("EQUAL", col("a"), col("b"))));
    assertEquals(
        list(true, false, null), truth(input, new Pred.Not(binary("EQUAL", col("a"), col("b")))));
  }

  @Test
  void distinctIsNotNullSafeEquality() {
    StructType schema = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType);
    Dataset<Row> input = relation(schema, row(1L, 1L), row(1L, 2L), row(null, null), row(null, 1L));
    assertEquals(
        list(false, true, false, true), truth(input, binary("DISTINCT", col("a"), col("b"))));
  }

  @Test
  void inNeverYieldsNull() {
    Dataset<Row> one = oneRow();
    Expr.Literal oneTwo = arrayLit(INTEGER, lit(1), lit(2));
    Expr.Literal oneNull = arrayLit(INTEGER, lit(1), nullLit(INTEGER));
    Object[][] cases = {
      {lit(2), oneTwo, true},
      {lit(9), oneTwo, false},
      {nullLit(INTEGER), oneTwo, false},
      {nullLit(INTEGER), oneNull, false},
      {nullLit(INTEGER), arrayLit(INTEGER, nullLit(INTEGER)), false},
      {lit(1), oneNull, true},
      {lit(9), oneNull, false},
    };
    for (Object[] c : cases) {
      Pred in = binary("IN", (Expr) c[0], (Expr) c[1]);
      assertEquals(list(c[2]), truth(one, in), c[0] + " IN " + c[1]);
      assertEquals(list(!(Boolean) c[2]), truth(one, new Pred.Not(in)), c[0] + " NOT IN " + c[1]);
    }
    StructType schema =
        new StructType().add("list", DataTypes.createArrayType(DataTypes.IntegerType, true));
    Dataset<Row> lists =
        relation(schema, row(List.of(1, 2)), row(Arrays.asList(1, null)), row((Object) null));
    assertEquals(list(true, true, false), truth(lists, binary("IN", lit(1), col("list"))));
    assertEquals(list(false, false, false), truth(lists, binary("IN", lit(9), col("list"))));
  }

  @Test
  void inWithANestedNeedleNeverMatchesAndNeedsALiteralLeft() {
    KernelType.Struct type = struct(nullable("a", INTEGER));
    Expr.Literal needle = lit(type, List.of(lit(1)));
    assertEquals(list(false), truth(oneRow(), binary("IN", needle, arrayLit(type, needle))));
    assertFailsWith(
        "IN needs a literal",
        () -> truth(oneRow(), binary("IN", col("id"), arrayLit(LONG, lit(1L)))));
  }

  @Test
  void isNullNotAndJunctionsFollowKleeneLogic() {
    StructType schema =
        new StructType().add("p", DataTypes.BooleanType).add("q", DataTypes.BooleanType);
    Dataset<Row> input =
        relation(schema, row(true, null), row(false, null), row(true, true), row(null, null));
    Pred p = new Pred.BooleanExpression(col("p"));
    Pred q = new Pred.BooleanExpression(col("q"));
    assertEquals(
        list(null, false, true, null), truth(input, new Pred.Junction("AND", List.of(p, q))));
    assertEquals(
        list(true, null, true, null), truth(input, new Pred.Junction("OR", List.of(p, q))));
    assertEquals(list(false, true, false, null), truth(input, new Pred.Not(p)));
    assertEquals(list(false, false, false, true), truth(input, new Pred.IsNull(col("p"))));
    assertEquals(list(true, true, true, true), truth(input, new Pred.Junction("AND", List.of())));
    assertEquals(
        list(false, false, false, false), truth(input, new Pred.Junction("OR", List.of())));
    assertEquals(
        list(false, true, false, null), values(input, predicate(new Pred.Not(p)), BOOLEAN));
  }

  @Test
  void unknownAndOpaqueFailNamingTheirKind() {
    Dataset<Row> input = oneRow();
    assertFailsWith(
        "Unknown: fancy_udf",
        () -> values(input, new Expr.Unsupported("Unknown", "fancy_udf"), LONG));
    assertFailsWith(
        "Opaque: my_op",
        () ->
            truth(
                input,
                new Pred.IsNull(
                    new Expr.Variadic(
                        "COALESCE", List.of(col("id"), new Expr.Unsupported("Opaque", "my_op"))))));
    assertFailsWith(
        "Unknown: p", () -> truth(input, new Pred.Not(new Pred.Unsupported("Unknown", "p"))));
  }

  // --- arithmetic and the rest

  @Test
  void integerDivisionTruncatesTowardZeroAndRejectsZero() {
    StructType schema =
        new StructType().add("n", DataTypes.IntegerType).add("d", DataTypes.IntegerType);
    Dataset<Row> input = relation(schema, row(7, 2), row(-7, 2), row(null, 2));
    Expr divide = new Expr.Binary("DIVIDE", col("n"), col("d"));
    assertEquals(list(3, -3, null), values(input, divide, INTEGER));
    Dataset<Row> zero = relation(schema, row(7, 0));
    assertFailsWith("Divide by zero", () -> values(zero, divide, INTEGER));
  }

  @Test
  void floatDivisionFollowsIeee() {
    StructType schema =
        new StructType().add("n", DataTypes.DoubleType).add("d", DataTypes.DoubleType);
    Dataset<Row> input =
        relation(
            schema, row(1.0, 0.0), row(-1.0, 0.0), row(0.0, 0.0), row(1.0, -0.0), row(3.0, 2.0));
    List<Object> result = values(input, new Expr.Binary("DIVIDE", col("n"), col("d")), DOUBLE);
    assertEquals(Double.POSITIVE_INFINITY, result.get(0));
    assertEquals(Double.NEGATIVE_INFINITY, result.get(1));
    assertTrue(Double.isNaN((Double) result.get(2)));
    assertEquals(Double.NEGATIVE_INFINITY, result.get(3));
    assertEquals(1.5, result.get(4));
  }

  @Test
  void arithmeticKeepsTheOperandType() {
    StructType schema =
        new StructType().add("a", DataTypes.IntegerType).add("b", DataTypes.IntegerType);
    Dataset<Row> input = relation(schema, row(6, 4));
    assertEquals(list(10), values(input, new Expr.Binary("PLUS", col("a"), col("b")), INTEGER));
    assertEquals(list(2), values(input, new Expr.Binary("MINUS", col("a"), col("b")), INTEGER));
    assertEquals(list(24), values(input, new Expr.Binary("MULTIPLY", col("a"), col("b")), INTEGER));
    KernelType decimal = new KernelType.Decimal(4, 1);
    Expr sum =
        new Expr.Binary(
            "PLUS", lit(decimal, new BigDecimal("1.5")), lit(decimal, new BigDecimal("2.0")));
    Column column = new ExpressionTranslator(oneRow()).expression(sum, decimal);
    assertEquals(
        DataTypes.createDecimalType(4, 1), oneRow().select(column).schema().fields()[0].dataType());
    assertEquals(new BigDecimal("3.5"), single(sum, decimal));
  }

  @Test
  void coalesceArrayAndCast() {
    StructType schema = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType);
    Dataset<Row> input = relation(schema, row(null, 2L), row(1L, 2L), row(null, null));
    Expr coalesce = new Expr.Variadic("COALESCE", List.of(col("a"), col("b"), lit(0L)));
    assertEquals(list(2L, 1L, 0L), values(input, coalesce, LONG));
    Expr array = new Expr.Variadic("ARRAY", List.of(col("a"), lit(5L)));
    assertEquals(
        list(Arrays.asList(null, 5L), List.of(1L, 5L), Arrays.asList(null, 5L)),
        input
            .select(
                new ExpressionTranslator(input).expression(array, new KernelType.Array(LONG, true)))
            .collectAsList()
            .stream()
            .map(r -> r.getList(0))
            .toList());
    // The kernel's CAST gives NULL where the value does not fit, never an error.
    assertEquals(12, single(new Expr.Cast(lit("12"), INTEGER), INTEGER));
    assertNull(single(new Expr.Cast(lit("abc"), INTEGER), INTEGER));
    assertEquals("7", single(new Expr.Cast(lit(7L), STRING), STRING));
  }

  @Test
  void predicateExpressionsAreBooleanValues() {
    StructType schema = new StructType().add("a", DataTypes.LongType);
    Dataset<Row> input = relation(schema, row(1L), row((Object) null));
    assertEquals(list(true, false), values(input, predicate(Ir.isNotNull(col("a"))), BOOLEAN));
  }

  @Test
  void projectionNeedsAStructOrTopLevelPatch() {
    assertFailsWith(
        "must build the output row",
        () ->
            new ExpressionTranslator(oneRow()).projection(col("id"), struct(nullable("id", LONG))));
  }
}
