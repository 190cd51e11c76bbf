package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Pred;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Kernel expressions and predicates over one input relation as Spark columns. Kernel expressions
 * carry no result types: as in the kernel's own evaluator, the expected type comes from the context
 * (a Project's schema field, the enclosing struct's field, a ParseJson schema), and where an
 * operand's type matters (arithmetic, TO_JSON) it is read from Spark's analysis of the input.
 */
public final class ExpressionTranslator {

  /** JSON timestamps as the kernel writes stats: milliseconds, truncated, UTC with a Z. */
  private static final Map<String, String> TO_JSON_OPTIONS =
      Map.of(
          "timeZone", "UTC",
          "timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
          "timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");

  /** Malformed JSON gives NULL, never an error; offset-less timestamps are UTC. */
  private static final Map<String, String> PARSE_JSON_OPTIONS =
      Map.of("mode", "PERMISSIVE", "timeZone", "UTC");

  private final Dataset<Row> input;

  public ExpressionTranslator(Dataset<Row> input) {
    this.input = input;
  }

  /** A column reference by path; each segment matches one field by name, dots and all. */
  public static Column column(List<String> path) {
    return col(
        path.stream().map(s -> "`" + s.replace("`", "``") + "`").collect(Collectors.joining(".")));
  }

  /**
   * The top-level output columns of a Project: {@code expr} must build a struct (a Struct or a
   * top-level StructPatch) whose fields take {@code schema}'s names by position.
   */
  public List<Column> projection(Expr expr, KernelType.Struct schema) {
    if (expr instanceof Expr.Struct s && s.keep() == null) {
      return structFields(s, schema);
    } else if (expr instanceof Expr.StructPatch p && p.inputPath().isEmpty()) {
      return patchFields(p, schema);
    }
    throw new IllegalArgumentException(
        "A Project expression must build the output row, got " + describe(expr));
  }

  /** An expression; {@code expected} is the result type the context requires, null if none. */
  public Column expression(Expr expr, KernelType expected) {
    if (expr instanceof Expr.Column c) {
      return column(c.path());
    } else if (expr instanceof Expr.Literal l) {
      return SparkTypes.literal(l);
    } else if (expr instanceof Expr.PredicateExpr p) {
      return predicate(p.predicate());
    } else if (expr instanceof Expr.Struct s) {
      Column built = struct(structFields(s, structType(expr, expected)).toArray(Column[]::new));
      return s.keep() == null ? built : when(expression(s.keep(), BOOLEAN), built);
    } else if (expr instanceof Expr.StructPatch p) {
      if (p.inputPath().isEmpty()) {
        throw new IllegalArgumentException(
            "A top-level StructPatch must be a Project's expression");
      }
      Column built = struct(patchFields(p, structType(expr, expected)).toArray(Column[]::new));
      // A patched NULL struct stays NULL.
      return when(column(p.inputPath()).isNotNull(), built);
    } else if (expr instanceof Expr.Unary u) {
      return unary(u);
    } else if (expr instanceof Expr.Binary b) {
      return arithmetic(b);
    } else if (expr instanceof Expr.Variadic v) {
      return variadic(v, expected);
    } else if (expr instanceof Expr.ParseJson p) {
      return from_json(
          expression(p.json(), STRING), SparkTypes.toSpark(p.schema()), PARSE_JSON_OPTIONS);
    } else if (expr instanceof Expr.MapToStruct m) {
      return mapToStruct(m, structType(expr, expected));
    } else if (expr instanceof Expr.Cast c) {
      // The kernel's CAST yields NULL for a value the target cannot hold.
      return expression(c.child(), null).try_cast(SparkTypes.toSpark(c.target()));
    }
    Expr.Unsupported u = (Expr.Unsupported) expr;
    throw new UnsupportedOperationException(
        "Unsupported kernel expression " + u.kind() + ": " + u.description());
  }

  /** A predicate as a boolean column with SQL three-valued logic. */
  public Column predicate(Pred pred) {
    if (pred instanceof Pred.BooleanExpression b) {
      return expression(b.expr(), BOOLEAN);
    } else if (pred instanceof Pred.Not n) {
      return not(predicate(n.child()));
    } else if (pred instanceof Pred.IsNull i) {
      return expression(i.expr(), null).isNull();
    } else if (pred instanceof Pred.Binary b) {
      return comparison(b);
    } else if (pred instanceof Pred.Junction j) {
      boolean and =
          switch (j.op()) {
            case "AND" -> true;
            case "OR" -> false;
            default -> throw new UnsupportedOperationException("Unsupported junction " + j.op());
          };
      // An empty junction is its operator's identity.
      Column result = lit(and);
      for (Pred child : j.children()) {
        Column c = predicate(child);
        result = and ? result.and(c) : result.or(c);
      }
      return result;
    }
    Pred.Unsupported u = (Pred.Unsupported) pred;
    throw new UnsupportedOperationException(
        "Unsupported kernel predicate " + u.kind() + ": " + u.description());
  }

  private static final KernelType BOOLEAN = new KernelType.Primitive("boolean");
  private static final KernelType STRING = new KernelType.Primitive("string");

  private static KernelType.Struct structType(Expr expr, KernelType expected) {
    if (expected instanceof KernelType.Struct s) {
      return s;
    }
    throw new IllegalArgumentException(
        describe(expr) + " needs a struct result type from its context, got " + expected);
  }

  private static String describe(Expr expr) {
    return expr.getClass().getSimpleName();
  }

  private List<Column> structFields(Expr.Struct struct, KernelType.Struct type) {
    if (struct.fields().size() != type.fields().size()) {
      throw new IllegalArgumentException(
          "Struct expression has "
              + struct.fields().size()
              + " fields but its result type has "
              + type.fields().size());
    }
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < type.fields().size(); i++) {
      columns.add(field(struct.fields().get(i), type.fields().get(i)));
    }
    return columns;
  }

  private Column field(Expr expr, KernelType.Field field) {
    return expression(expr, field.type()).alias(field.name());
  }

  /**
   * Flattens a struct patch over the input struct's fields in their order (the patch's field map
   * has none): prepended fields, then each input field kept or dropped followed by its insertions,
   * then appended fields. Output fields take the result type's names by position.
   */
  private List<Column> patchFields(Expr.StructPatch patch, KernelType.Struct type) {
    Iterator<KernelType.Field> output = type.fields().iterator();
    List<Column> columns = new ArrayList<>();
    for (Expr expr : patch.prepended()) {
      columns.add(field(expr, next(output)));
    }
    StructType source = inputStruct(patch.inputPath());
    for (String name : patch.fieldPatches().keySet()) {
      Expr.FieldPatch fieldPatch = patch.fieldPatches().get(name);
      if (!fieldPatch.optional() && !List.of(source.fieldNames()).contains(name)) {
        throw new IllegalArgumentException("Field to patch does not exist: " + name);
      }
    }
    for (StructField inputField : source.fields()) {
      Expr.FieldPatch fieldPatch = patch.fieldPatches().get(inputField.name());
      if (fieldPatch == null || fieldPatch.keepInput()) {
        List<String> path = new ArrayList<>(patch.inputPath());
        path.add(inputField.name());
        columns.add(column(path).alias(next(output).name()));
      }
      if (fieldPatch != null) {
        for (Expr expr : fieldPatch.insertions()) {
          columns.add(field(expr, next(output)));
        }
      }
    }
    for (Expr expr : patch.appended()) {
      columns.add(field(expr, next(output)));
    }
    if (output.hasNext()) {
      throw new IllegalArgumentException(
          "Struct patch produces fewer fields than its result type " + type);
    }
    return columns;
  }

  private static KernelType.Field next(Iterator<KernelType.Field> output) {
    try {
      return output.next();
    } catch (NoSuchElementException e) {
      throw new IllegalArgumentException("Struct patch produces more fields than its result type");
    }
  }

  private StructType inputStruct(List<String> path) {
    DataType type = input.schema();
    for (String name : path) {
      StructType struct = (StructType) type;
      if (!List.of(struct.fieldNames()).contains(name)) {
        throw new IllegalArgumentException("Struct patch input path not found: " + path);
      }
      type = struct.apply(name).dataType();
    }
    if (type instanceof StructType struct) {
      return struct;
    }
    throw new IllegalArgumentException("Struct patch input path is not a struct: " + path);
  }

  private DataType typeOf(Column column) {
    return input.select(column).schema().fields()[0].dataType();
  }

  private Column unary(Expr.Unary unary) {
    if (!unary.op().equals("TO_JSON")) {
      throw new UnsupportedOperationException("Unsupported unary expression " + unary.op());
    }
    Column child = expression(unary.child(), null);
    DataType type = typeOf(child);
    if (!(type instanceof StructType)) {
      throw new IllegalArgumentException("TO_JSON needs a struct, got " + type.simpleString());
    }
    return to_json(hexBinary(child, type), TO_JSON_OPTIONS);
  }

  /** The kernel's JSON writes binary as lowercase hex, where Spark would write base64. */
  private static Column hexBinary(Column column, DataType type) {
    if (!holdsBinary(type)) {
      return column;
    } else if (type instanceof StructType struct) {
      List<Column> fields = new ArrayList<>();
      for (StructField f : struct.fields()) {
        fields.add(hexBinary(column.getField(f.name()), f.dataType()).alias(f.name()));
      }
      return when(column.isNotNull(), struct(fields.toArray(Column[]::new)));
    } else if (type instanceof ArrayType a) {
      return transform(column, e -> hexBinary(e, a.elementType()));
    } else if (type instanceof MapType m) {
      return transform_values(column, (k, v) -> hexBinary(v, m.valueType()));
    }
    return lower(hex(column));
  }

  private static boolean holdsBinary(DataType type) {
    if (type instanceof StructType s) {
      return Arrays.stream(s.fields()).anyMatch(f -> holdsBinary(f.dataType()));
    } else if (type instanceof ArrayType a) {
      return holdsBinary(a.elementType());
    } else if (type instanceof MapType m) {
      return holdsBinary(m.valueType());
    }
    return type instanceof BinaryType;
  }

  /**
   * Arithmetic over two operands of one numeric type, keeping that type. DIVIDE follows the kernel:
   * integers truncate toward zero and fail on a zero divisor (so do decimals), floats follow IEEE
   * 754 (±infinity, NaN for 0/0) where Spark would fail or give NULL.
   */
  private Column arithmetic(Expr.Binary binary) {
    Column left = expression(binary.left(), null);
    Column right = expression(binary.right(), null);
    DataType type = typeOf(left);
    Column result =
        switch (binary.op()) {
          case "PLUS" -> left.plus(right);
          case "MINUS" -> left.minus(right);
          case "MULTIPLY" -> left.multiply(right);
          case "DIVIDE" -> divide(left, right, type);
          default ->
              throw new UnsupportedOperationException("Unsupported arithmetic " + binary.op());
        };
    return result.cast(type);
  }

  private static Column divide(Column left, Column right, DataType type) {
    Column zero = right.equalTo(0);
    if (type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType)) {
      // The sign of a zero divisor picks the infinity; only its text tells -0.0 from 0.0.
      Column infinity =
          when(right.cast("string").startsWith("-"), lit(Double.NEGATIVE_INFINITY))
              .otherwise(lit(Double.POSITIVE_INFINITY));
      return when(zero, left.multiply(infinity)).otherwise(left.divide(right));
    }
    Column quotient =
        type instanceof DecimalType ? left.divide(right) : call_function("div", left, right);
    return when(zero, raise_error(lit("Divide by zero"))).otherwise(quotient);
  }

  private Column variadic(Expr.Variadic variadic, KernelType expected) {
    switch (variadic.op()) {
      case "COALESCE":
        return coalesce(children(variadic, expected));
      case "ARRAY":
        KernelType element = expected instanceof KernelType.Array a ? a.element() : null;
        return array(children(variadic, element));
      default:
        throw new UnsupportedOperationException("Unsupported variadic " + variadic.op());
    }
  }

  private Column[] children(Expr.Variadic variadic, KernelType expected) {
    return variadic.children().stream().map(c -> expression(c, expected)).toArray(Column[]::new);
  }

  /** Partition values: a NULL map gives a NULL struct, a missing key a NULL field. */
  private Column mapToStruct(Expr.MapToStruct mapToStruct, KernelType.Struct type) {
    Column map = expression(mapToStruct.map(), null);
    List<Column> fields = new ArrayList<>();
    for (KernelType.Field field : type.fields()) {
      Column raw = try_element_at(map, lit(field.name()));
      fields.add(PartitionValues.parse(raw, field, mapToStruct.timezone()).alias(field.name()));
    }
    return when(map.isNotNull(), struct(fields.toArray(Column[]::new)));
  }

  private Column comparison(Pred.Binary binary) {
    if (binary.op().equals("IN")) {
      return in(binary);
    }
    Column left = expression(binary.left(), null);
    Column right = expression(binary.right(), null);
    return switch (binary.op()) {
      case "LESS_THAN" -> left.lt(right);
      case "GREATER_THAN" -> left.gt(right);
      case "EQUAL" -> left.equalTo(right);
      case "DISTINCT" -> not(left.eqNullSafe(right));
      default -> throw new UnsupportedOperationException("Unsupported predicate " + binary.op());
    };
  }

  /**
   * {@code literal IN list}, never NULL: a NULL needle or NULL elements never match, and nested
   * needles (struct, array, map) have no logical equality in the kernel, so they never match.
   */
  private Column in(Pred.Binary binary) {
    if (!(binary.left() instanceof Expr.Literal needle)) {
      throw new IllegalArgumentException(
          "IN needs a literal on its left, got " + describe(binary.left()));
    }
    if (!(binary.right() instanceof Expr.Column
        || binary.right() instanceof Expr.Literal l && l.type() instanceof KernelType.Array)) {
      throw new IllegalArgumentException(
          "IN needs a list column or an array literal on its right, got "
              + describe(binary.right()));
    }
    KernelType needleType = needle.type();
    if (!(needleType instanceof KernelType.Primitive || needleType instanceof KernelType.Decimal)) {
      return lit(false);
    }
    return coalesce(
        array_contains(expression(binary.right(), null), SparkTypes.literal(needle)), lit(false));
  }
}
