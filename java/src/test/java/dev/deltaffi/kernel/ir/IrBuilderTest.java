package dev.deltaffi.kernel.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IrBuilderTest {

  private final IrBuilder ir = new IrBuilder();

  private int[] ids(int... ids) {
    return ids;
  }

  private static final String[] NONE = {};

  /** Keys no other test's struct has (the builders share their known structs). */
  private static final AtomicLong KEYS = new AtomicLong(System.nanoTime());

  private int struct(int[] fields) {
    return ir.structType(fields, KEYS.incrementAndGet(), 7);
  }

  @Test
  void aStructIsKnownToLaterBuildersByItsSchemaKey() {
    long key = KEYS.incrementAndGet();
    assertEquals(-1, ir.knownStructType(key, 7));
    int field = ir.structField("a", ir.primitiveType("long"), true, NONE, NONE);
    KernelType.Struct built = ir.get(ir.structType(ids(field), key, 7), KernelType.Struct.class);

    IrBuilder later = new IrBuilder();
    int known = later.knownStructType(key, 7);
    assertSame(built, later.get(known, KernelType.Struct.class));
    assertEquals(-1, later.knownStructType(key, 8), "both halves of the key count");
  }

  @Test
  void typesNestAndKeepMetadataInOrder() {
    int longType = ir.primitiveType("long");
    int array = ir.arrayType(longType, false);
    int map = ir.mapType(ir.primitiveType("string"), ir.decimalType(10, 2), true);
    int a = ir.structField("a", array, false, new String[] {"k2", "k1"}, new String[] {"v2", "v1"});
    int b = ir.structField("b", map, true, NONE, NONE);
    KernelType.Struct struct = ir.get(struct(ids(a, b)), KernelType.Struct.class);

    KernelType.Field first = struct.fields().get(0);
    assertEquals("a", first.name());
    assertEquals(new KernelType.Array(new KernelType.Primitive("long"), false), first.type());
    assertEquals(false, first.nullable());
    assertEquals(List.of("k2", "k1"), List.copyOf(first.metadata().keySet()));
    assertEquals(
        new KernelType.MapType(
            new KernelType.Primitive("string"), new KernelType.Decimal(10, 2), true),
        struct.field("b").type());
    assertThrows(
        IllegalArgumentException.class,
        () -> ir.structField("c", longType, true, new String[] {"k"}, NONE));
  }

  @Test
  void literalsCarryTheirTypesAndValues() {
    assertEquals(
        new Expr.Literal(new KernelType.Primitive("integer"), 5),
        ir.get(ir.intLiteral(5), Expr.Literal.class));
    assertEquals(
        new Expr.Literal(new KernelType.Primitive("timestamp_ntz"), 7L),
        ir.get(ir.timestampNtzLiteral(7L), Expr.Literal.class));
    assertEquals(
        new Expr.Literal(new KernelType.Primitive("date"), -3),
        ir.get(ir.dateLiteral(-3), Expr.Literal.class));
    assertEquals((byte) 1, ir.get(ir.byteLiteral((byte) 1), Expr.Literal.class).value());
    assertEquals((short) 2, ir.get(ir.shortLiteral((short) 2), Expr.Literal.class).value());
    int longType = ir.primitiveType("long");
    Expr.Literal typedNull = ir.get(ir.nullLiteral(longType), Expr.Literal.class);
    assertEquals(new KernelType.Primitive("long"), typedNull.type());
    assertNull(typedNull.value());

    byte[] unscaled = BigInteger.valueOf(-12345).toByteArray();
    Expr.Literal decimal = ir.get(ir.decimalLiteral(unscaled, 7, 3), Expr.Literal.class);
    assertEquals(new KernelType.Decimal(7, 3), decimal.type());
    assertEquals(new BigDecimal("-12.345"), decimal.value());
  }

  @Test
  void nestedLiteralsHoldTheirChildren() {
    int string = ir.primitiveType("string");
    int field = ir.structField("s", string, true, NONE, NONE);
    int structType = struct(ids(field));
    int x = ir.stringLiteral("x");
    Expr.Literal struct = ir.get(ir.structLiteral(structType, ids(x)), Expr.Literal.class);
    assertEquals(
        List.of(new Expr.Literal(new KernelType.Primitive("string"), "x")), struct.value());

    int arrayType = ir.arrayType(string, true);
    Expr.Literal array = ir.get(ir.arrayLiteral(arrayType, ids(x, x)), Expr.Literal.class);
    assertEquals(2, ((List<?>) array.value()).size());

    int mapType = ir.mapType(string, ir.primitiveType("long"), true);
    int one = ir.longLiteral(1);
    Expr.Literal map = ir.get(ir.mapLiteral(mapType, ids(x), ids(one)), Expr.Literal.class);
    Expr.MapEntries entries = (Expr.MapEntries) map.value();
    assertEquals("x", entries.keys().get(0).value());
    assertEquals(1L, entries.values().get(0).value());
  }

  @Test
  void expressionsAndPredicates() {
    int column = ir.column(new String[] {"add", "path"});
    assertEquals(List.of("add", "path"), ir.get(column, Expr.Column.class).path());
    int isNull = ir.isNullPredicate(column);
    int not = ir.notPredicate(isNull);
    Expr.Struct always = ir.get(ir.structExpression(ids(column), -1), Expr.Struct.class);
    assertNull(always.keep());
    int keep = ir.predicateExpression(not);
    Expr.Struct kept = ir.get(ir.structExpression(ids(column), keep), Expr.Struct.class);
    assertEquals(
        new Expr.PredicateExpr(new Pred.Not(new Pred.IsNull(always.fields().get(0)))), kept.keep());

    int drop = ir.fieldPatch(false, ids(), true);
    int replace = ir.fieldPatch(false, ids(column), false);
    Expr.StructPatch patch =
        ir.get(
            ir.structPatch(
                new String[] {"add"},
                new String[] {"b", "a"},
                ids(drop, replace),
                ids(),
                ids(column)),
            Expr.StructPatch.class);
    assertEquals(List.of("add"), patch.inputPath());
    assertEquals(List.of("b", "a"), List.copyOf(patch.fieldPatches().keySet()));
    assertTrue(patch.fieldPatches().get("b").optional());
    assertEquals(1, patch.appended().size());

    int json = ir.parseJson(column, struct(ids()));
    assertEquals(List.of(), ir.get(json, Expr.ParseJson.class).schema().fields());
    assertNull(ir.get(ir.mapToStruct(column, null), Expr.MapToStruct.class).timezone());
    int junction = ir.junctionPredicate("AND", ids(isNull, not));
    assertEquals(2, ir.get(junction, Pred.Junction.class).children().size());
    assertEquals(
        new Pred.Unsupported("Opaque", "f"),
        ir.get(ir.unsupportedPredicate("Opaque", "f"), Pred.class));
    assertEquals(
        new Expr.Unsupported("Unknown", "g"),
        ir.get(ir.unsupportedExpression("Unknown", "g"), Expr.class));
  }

  @Test
  void valuesSplitRowsBySchemaWidth() {
    int longType = ir.primitiveType("long");
    int a = ir.structField("a", longType, true, NONE, NONE);
    int b = ir.structField("b", longType, true, NONE, NONE);
    int schema = struct(ids(a, b));
    int one = ir.longLiteral(1);
    int two = ir.longLiteral(2);
    PlanNode.Values values =
        ir.get(ir.values(schema, ids(one, two, two, one)), PlanNode.Values.class);
    assertEquals(2, values.rows().size());
    assertEquals(List.of(2L, 1L), values.rows().get(1).stream().map(Expr.Literal::value).toList());
    assertEquals(List.of(), ir.get(ir.values(schema, ids()), PlanNode.Values.class).rows());
    assertThrows(IllegalArgumentException.class, () -> ir.values(schema, ids(one)));
  }

  @Test
  void planOperatorsAndPlans() {
    int longType = ir.primitiveType("long");
    int version = ir.structField("version", longType, false, NONE, NONE);
    int schema = struct(ids(version));
    String[] locations = {"file:///t/_delta_log/0.json", "file:///t/_delta_log/1.json"};
    long[] sizes = {10, 11};
    long[] modified = {20, 21};
    String[] constantColumns = {"version"};
    int[] constants = ids(ir.longLiteral(0), ir.longLiteral(1));
    int scan = ir.scanJson(locations, sizes, modified, constants, constantColumns, schema);
    PlanNode.ScanJson json = ir.get(scan, PlanNode.ScanJson.class);
    assertEquals(List.of("version"), json.constantColumns());
    assertEquals(10, json.files().get(0).size());
    assertEquals(21, json.files().get(1).lastModified());
    assertEquals(locations[1], json.files().get(1).location());
    assertEquals(1L, json.files().get(1).constants().get(0).value());
    assertThrows(
        IllegalArgumentException.class,
        () -> ir.scanParquet(locations, sizes, modified, ids(), constantColumns, schema));

    int path = ir.columnName(new String[] {"path"});
    int dynamic =
        ir.dynamicScan(
            schema, "PARQUET", "file:///t/", new String[] {"version"}, path, path, path, -1);
    assertNull(ir.get(dynamic, PlanNode.DynamicScan.class).deletionVectorColumn());
    int countStar = ir.aggregation("COUNT_STAR", -1, -1, -1);
    int maxBy = ir.aggregation("MAX_NON_NULL_BY", path, path, path);
    assertNull(ir.get(countStar, PlanNode.Agg.class).value());
    assertEquals(List.of("path"), ir.get(maxBy, PlanNode.Agg.class).key());
    int aggregate = ir.aggregate(ids(path), ids(countStar), schema);
    assertEquals(List.of(List.of("path")), ir.get(aggregate, PlanNode.Aggregate.class).groupBy());
    int join = ir.semiJoin(true, ids(path), ids(path));
    assertTrue(ir.get(join, PlanNode.SemiJoin.class).inverted());

    int[] inputs = {0};
    int scanNode = ir.planNode(scan, ids());
    int unionNode = ir.planNode(ir.unionAll(), inputs);
    inputs[0] = 99; // the node keeps its own copy
    Plan plan = ir.get(ir.plan(schema, ids(scanNode, unionNode)), Plan.class);
    assertEquals(0, plan.nodes().get(1).inputs()[0]);
    assertEquals(
        new PlanNode.Unsupported("write_json"),
        ir.get(ir.unsupportedOperator("write_json"), PlanNode.Op.class));
    assertEquals(
        new PlanNode.RelationSource("r", ir.get(schema, KernelType.Struct.class)),
        ir.get(ir.relationSource("r", schema), PlanNode.Op.class));
  }

  @Test
  void getChecksTheObjectsClass() {
    int literal = ir.longLiteral(1);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> ir.get(literal, Pred.class));
    assertTrue(e.getMessage().contains("Literal"), e.getMessage());
  }
}
