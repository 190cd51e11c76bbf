package dev.deltaffi.kernel.ir;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * The {@link KernelVisitor} that materializes the walker's callbacks into the IR: every callback
 * appends one object to a table and returns its index, which later callbacks use to refer to it.
 */
public final class IrBuilder implements KernelVisitor {

  /**
   * Struct types by schema content key, shared by every builder: the IR is immutable, and the same
   * few schemas (the log's actions, each table's data) come back on every phase of every load.
   * Bounded: beyond {@link #KNOWN_STRUCTS_KEPT} it starts over.
   */
  private static final Map<KeyOfSchema, KernelType.Struct> KNOWN_STRUCTS =
      new ConcurrentHashMap<>();

  private static final int KNOWN_STRUCTS_KEPT = 512;

  private record KeyOfSchema(long high, long low) {}

  private final List<Object> objects = new ArrayList<>();

  /** The object with the given id, checked against the expected IR class. */
  public <T> T get(int id, Class<T> type) {
    Object object = objects.get(id);
    if (!type.isInstance(object)) {
      throw new IllegalStateException(
          "IR object "
              + id
              + " is a "
              + object.getClass().getSimpleName()
              + ", not a "
              + type.getSimpleName());
    }
    return type.cast(object);
  }

  private int add(Object object) {
    objects.add(object);
    return objects.size() - 1;
  }

  private <T> List<T> all(int[] ids, Class<T> type) {
    return Arrays.stream(ids).mapToObj(id -> get(id, type)).toList();
  }

  /** An optional child: -1 means absent. */
  private <T> T optional(int id, Class<T> type) {
    return id < 0 ? null : get(id, type);
  }

  private List<String> optionalColumn(int id) {
    return id < 0 ? null : columnPath(id);
  }

  @SuppressWarnings("unchecked")
  private List<String> columnPath(int id) {
    return get(id, List.class);
  }

  private int literal(String type, Object value) {
    return add(new Expr.Literal(new KernelType.Primitive(type), value));
  }

  // --- types

  @Override
  public int primitiveType(String name) {
    return add(new KernelType.Primitive(name));
  }

  @Override
  public int decimalType(int precision, int scale) {
    return add(new KernelType.Decimal(precision, scale));
  }

  @Override
  public int arrayType(int element, boolean containsNull) {
    return add(new KernelType.Array(get(element, KernelType.class), containsNull));
  }

  @Override
  public int mapType(int key, int value, boolean valueContainsNull) {
    return add(
        new KernelType.MapType(
            get(key, KernelType.class), get(value, KernelType.class), valueContainsNull));
  }

  @Override
  public int structField(
      String name, int type, boolean nullable, String[] metadataKeys, String[] metadataValues) {
    if (metadataKeys.length != metadataValues.length) {
      throw new IllegalArgumentException("field " + name + ": metadata keys and values differ");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < metadataKeys.length; i++) {
      metadata.put(metadataKeys[i], metadataValues[i]);
    }
    return add(
        new KernelType.Field(
            name, get(type, KernelType.class), nullable, Collections.unmodifiableMap(metadata)));
  }

  @Override
  public int knownStructType(long keyHigh, long keyLow) {
    KernelType.Struct known = KNOWN_STRUCTS.get(new KeyOfSchema(keyHigh, keyLow));
    return known == null ? -1 : add(known);
  }

  @Override
  public int structType(int[] fields, long keyHigh, long keyLow) {
    KernelType.Struct struct = new KernelType.Struct(all(fields, KernelType.Field.class));
    if (KNOWN_STRUCTS.size() >= KNOWN_STRUCTS_KEPT) {
      KNOWN_STRUCTS.clear();
    }
    KNOWN_STRUCTS.put(new KeyOfSchema(keyHigh, keyLow), struct);
    return add(struct);
  }

  // --- literals

  @Override
  public int nullLiteral(int type) {
    return add(new Expr.Literal(get(type, KernelType.class), null));
  }

  @Override
  public int booleanLiteral(boolean value) {
    return literal("boolean", value);
  }

  @Override
  public int byteLiteral(byte value) {
    return literal("byte", value);
  }

  @Override
  public int shortLiteral(short value) {
    return literal("short", value);
  }

  @Override
  public int intLiteral(int value) {
    return literal("integer", value);
  }

  @Override
  public int longLiteral(long value) {
    return literal("long", value);
  }

  @Override
  public int floatLiteral(float value) {
    return literal("float", value);
  }

  @Override
  public int doubleLiteral(double value) {
    return literal("double", value);
  }

  @Override
  public int stringLiteral(String value) {
    return literal("string", value);
  }

  @Override
  public int binaryLiteral(byte[] value) {
    return literal("binary", value);
  }

  @Override
  public int decimalLiteral(byte[] unscaled, int precision, int scale) {
    return add(
        new Expr.Literal(
            new KernelType.Decimal(precision, scale),
            new BigDecimal(new BigInteger(unscaled), scale)));
  }

  @Override
  public int dateLiteral(int daysSinceEpoch) {
    return literal("date", daysSinceEpoch);
  }

  @Override
  public int timestampLiteral(long microsSinceEpoch) {
    return literal("timestamp", microsSinceEpoch);
  }

  @Override
  public int timestampNtzLiteral(long microsSinceEpoch) {
    return literal("timestamp_ntz", microsSinceEpoch);
  }

  @Override
  public int structLiteral(int type, int[] values) {
    return add(new Expr.Literal(get(type, KernelType.class), all(values, Expr.Literal.class)));
  }

  @Override
  public int arrayLiteral(int type, int[] elements) {
    return add(new Expr.Literal(get(type, KernelType.class), all(elements, Expr.Literal.class)));
  }

  @Override
  public int mapLiteral(int type, int[] keys, int[] values) {
    return add(
        new Expr.Literal(
            get(type, KernelType.class),
            new Expr.MapEntries(all(keys, Expr.Literal.class), all(values, Expr.Literal.class))));
  }

  // --- expressions

  @Override
  public int column(String[] path) {
    return add(new Expr.Column(List.of(path)));
  }

  @Override
  public int predicateExpression(int predicate) {
    return add(new Expr.PredicateExpr(get(predicate, Pred.class)));
  }

  @Override
  public int structExpression(int[] fields, int keep) {
    return add(new Expr.Struct(all(fields, Expr.class), optional(keep, Expr.class)));
  }

  @Override
  public int fieldPatch(boolean keepInput, int[] insertions, boolean optional) {
    return add(new Expr.FieldPatch(keepInput, all(insertions, Expr.class), optional));
  }

  @Override
  public int structPatch(
      String[] inputPath,
      String[] patchedFields,
      int[] fieldPatches,
      int[] prepended,
      int[] appended) {
    if (patchedFields.length != fieldPatches.length) {
      throw new IllegalArgumentException("struct patch: field names and patches differ");
    }
    Map<String, Expr.FieldPatch> patches = new LinkedHashMap<>();
    for (int i = 0; i < patchedFields.length; i++) {
      patches.put(patchedFields[i], get(fieldPatches[i], Expr.FieldPatch.class));
    }
    return add(
        new Expr.StructPatch(
            List.of(inputPath), patches, all(prepended, Expr.class), all(appended, Expr.class)));
  }

  @Override
  public int unaryExpression(String op, int child) {
    return add(new Expr.Unary(op, get(child, Expr.class)));
  }

  @Override
  public int binaryExpression(String op, int left, int right) {
    return add(new Expr.Binary(op, get(left, Expr.class), get(right, Expr.class)));
  }

  @Override
  public int variadicExpression(String op, int[] children) {
    return add(new Expr.Variadic(op, all(children, Expr.class)));
  }

  @Override
  public int parseJson(int json, int schema) {
    return add(new Expr.ParseJson(get(json, Expr.class), get(schema, KernelType.Struct.class)));
  }

  @Override
  public int mapToStruct(int map, String timezone) {
    return add(new Expr.MapToStruct(get(map, Expr.class), timezone));
  }

  @Override
  public int cast(int child, int type) {
    return add(new Expr.Cast(get(child, Expr.class), get(type, KernelType.class)));
  }

  @Override
  public int unsupportedExpression(String kind, String description) {
    return add(new Expr.Unsupported(kind, description));
  }

  // --- predicates

  @Override
  public int booleanPredicate(int expr) {
    return add(new Pred.BooleanExpression(get(expr, Expr.class)));
  }

  @Override
  public int notPredicate(int predicate) {
    return add(new Pred.Not(get(predicate, Pred.class)));
  }

  @Override
  public int isNullPredicate(int expr) {
    return add(new Pred.IsNull(get(expr, Expr.class)));
  }

  @Override
  public int binaryPredicate(String op, int left, int right) {
    return add(new Pred.Binary(op, get(left, Expr.class), get(right, Expr.class)));
  }

  @Override
  public int junctionPredicate(String op, int[] children) {
    return add(new Pred.Junction(op, all(children, Pred.class)));
  }

  @Override
  public int unsupportedPredicate(String kind, String description) {
    return add(new Pred.Unsupported(kind, description));
  }

  // --- plan operators

  @Override
  public int columnName(String[] path) {
    return add(List.of(path));
  }

  @Override
  public int scanParquet(
      String[] locations,
      long[] sizes,
      long[] lastModified,
      int[] rowMajorConstants,
      String[] constantColumns,
      int schema) {
    return add(
        new PlanNode.ScanParquet(
            files(locations, sizes, lastModified, rowMajorConstants, constantColumns.length),
            List.of(constantColumns),
            get(schema, KernelType.Struct.class)));
  }

  @Override
  public int scanJson(
      String[] locations,
      long[] sizes,
      long[] lastModified,
      int[] rowMajorConstants,
      String[] constantColumns,
      int schema) {
    return add(
        new PlanNode.ScanJson(
            files(locations, sizes, lastModified, rowMajorConstants, constantColumns.length),
            List.of(constantColumns),
            get(schema, KernelType.Struct.class)));
  }

  /** A scan's files from their columns; each file has {@code width} constants. */
  private List<PlanNode.ScanFile> files(
      String[] locations, long[] sizes, long[] lastModified, int[] constants, int width) {
    int count = locations.length;
    if (sizes.length != count
        || lastModified.length != count
        || constants.length != count * width) {
      throw new IllegalArgumentException(
          count
              + " scan files with "
              + sizes.length
              + " sizes, "
              + lastModified.length
              + " modification times and "
              + constants.length
              + " constants of width "
              + width);
    }
    List<PlanNode.ScanFile> files = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Expr.Literal[] own = new Expr.Literal[width];
      for (int c = 0; c < width; c++) {
        own[c] = get(constants[i * width + c], Expr.Literal.class);
      }
      files.add(new PlanNode.ScanFile(locations[i], sizes[i], lastModified[i], List.of(own)));
    }
    return files;
  }

  @Override
  public int values(int schema, int[] rowMajorLiterals) {
    KernelType.Struct struct = get(schema, KernelType.Struct.class);
    int width = struct.fields().size();
    // A zero-width row carries no literals, so such rows cannot be encoded at all.
    if (width == 0 ? rowMajorLiterals.length != 0 : rowMajorLiterals.length % width != 0) {
      throw new IllegalArgumentException(
          "values: " + rowMajorLiterals.length + " literals do not fill rows of width " + width);
    }
    int rowCount = width == 0 ? 0 : rowMajorLiterals.length / width;
    List<List<Expr.Literal>> rows =
        IntStream.range(0, rowCount)
            .mapToObj(
                r ->
                    all(
                        Arrays.copyOfRange(rowMajorLiterals, r * width, (r + 1) * width),
                        Expr.Literal.class))
            .toList();
    return add(new PlanNode.Values(struct, rows));
  }

  @Override
  public int relationSource(String id, int schema) {
    return add(new PlanNode.RelationSource(id, get(schema, KernelType.Struct.class)));
  }

  @Override
  public int project(int expr, int schema) {
    return add(new PlanNode.Project(get(expr, Expr.class), get(schema, KernelType.Struct.class)));
  }

  @Override
  public int filter(int predicate) {
    return add(new PlanNode.Filter(get(predicate, Pred.class)));
  }

  @Override
  public int dynamicScan(
      int schema,
      String fileType,
      String baseUrl,
      String[] constantColumns,
      int pathColumn,
      int sizeColumn,
      int lastModifiedColumn,
      int deletionVectorColumn) {
    return add(
        new PlanNode.DynamicScan(
            get(schema, KernelType.Struct.class),
            fileType,
            baseUrl,
            List.of(constantColumns),
            columnPath(pathColumn),
            columnPath(sizeColumn),
            columnPath(lastModifiedColumn),
            optionalColumn(deletionVectorColumn)));
  }

  @Override
  public int aggregation(String kind, int value, int sentinel, int key) {
    return add(
        new PlanNode.Agg(
            kind, optionalColumn(value), optionalColumn(sentinel), optionalColumn(key)));
  }

  @Override
  public int aggregate(int[] groupBy, int[] aggregations, int schema) {
    List<List<String>> keys = Arrays.stream(groupBy).mapToObj(this::columnPath).toList();
    return add(
        new PlanNode.Aggregate(
            keys, all(aggregations, PlanNode.Agg.class), get(schema, KernelType.Struct.class)));
  }

  @Override
  public int semiJoin(boolean inverted, int[] probeKeys, int[] buildKeys) {
    return add(
        new PlanNode.SemiJoin(
            inverted,
            Arrays.stream(probeKeys).mapToObj(this::columnPath).toList(),
            Arrays.stream(buildKeys).mapToObj(this::columnPath).toList()));
  }

  @Override
  public int unionAll() {
    return add(new PlanNode.UnionAll());
  }

  @Override
  public int unsupportedOperator(String name) {
    return add(new PlanNode.Unsupported(name));
  }

  @Override
  public int planNode(int op, int[] inputs) {
    return add(new PlanNode(get(op, PlanNode.Op.class), inputs.clone()));
  }

  @Override
  public int plan(int schema, int[] nodes) {
    return add(new Plan(get(schema, KernelType.Struct.class), all(nodes, PlanNode.class)));
  }
}
