package dev.deltaffi.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Translates Spark V2 predicates into kernel predicates, written in the kernel's own serde JSON
 * encoding of {@code delta_kernel::expressions::Predicate} (the native side parses it with serde).
 *
 * <p>Only predicates over columns of the table's schema with a scalar type (never a whole struct,
 * map, array or variant, which have no statistics) compared with non-null literals of the same type
 * translate. The kernel predicate is never false where the Spark predicate is true, so no file
 * holding a matching row is skipped: under an AND, a part that does not translate is dropped (the
 * rest still holds wherever the whole does); under OR and NOT every part must translate. The kernel
 * uses it for partition pruning and statistics-based file skipping only: Spark still evaluates
 * every predicate on the rows.
 *
 * <p>Mapping: {@code <=} is NOT(GreaterThan), {@code >=} is NOT(LessThan), {@code <>} is
 * NOT(Equal), {@code <=>} is NOT(Distinct); {@code col IN (a, b)} is an OR of Equal (the kernel's
 * In takes a literal on the left and a list on the right); {@code STARTS_WITH(col, 'p')} is the
 * range {@code col >= 'p' AND col < next('p')}, which holds for exactly the strings with the prefix
 * under the kernel's byte-wise (code point) string order.
 */
public final class KernelPredicates {

  private final StructType schema;

  /** Translates predicates over the columns of {@code schema} (the table's logical schema). */
  public KernelPredicates(StructType schema) {
    this.schema = schema;
  }

  /**
   * A kernel predicate (JSON) that holds wherever {@code predicate} holds, or empty when no part of
   * it translates.
   */
  public Optional<String> translate(Predicate predicate) {
    try {
      return Optional.of(implied(predicate));
    } catch (Untranslatable e) {
      return Optional.empty();
    }
  }

  /** The conjunction of already translated predicates (null when there are none). */
  public static String and(List<String> predicates) {
    if (predicates.isEmpty()) {
      return null;
    }
    return predicates.size() == 1 ? predicates.get(0) : junction("And", predicates);
  }

  private static final class Untranslatable extends Exception {
    Untranslatable() {
      super(null, null, false, false);
    }
  }

  /** A column of the schema: its kernel JSON and its Spark type. */
  private record ColumnRef(String json, DataType type) {}

  /** A predicate implied by {@code p}: an AND keeps whichever of its sides translate. */
  private String implied(Predicate p) throws Untranslatable {
    Expression[] c = p.children();
    switch (p.name()) {
      case "AND":
        {
          Optional<String> left = translate(child(c, 0));
          Optional<String> right = translate(child(c, 1));
          if (left.isPresent() && right.isPresent()) {
            return junction("And", List.of(left.get(), right.get()));
          }
          return left.or(() -> right).orElseThrow(Untranslatable::new);
        }
      case "OR":
        return junction("Or", List.of(implied(child(c, 0)), implied(child(c, 1))));
      default:
        return pred(p);
    }
  }

  /** The exact translation of {@code p}. */
  private String pred(Predicate p) throws Untranslatable {
    Expression[] c = p.children();
    switch (p.name()) {
      case "AND":
        return junction("And", List.of(pred(child(c, 0)), pred(child(c, 1))));
      case "OR":
        return junction("Or", List.of(pred(child(c, 0)), pred(child(c, 1))));
      case "NOT":
        return not(pred(child(c, 0)));
      case "IS_NULL":
        return isNull(column(c[0]).json());
      case "IS_NOT_NULL":
        return not(isNull(column(c[0]).json()));
      case "=":
        return comparison("Equal", c);
      case "<>":
        return not(comparison("Equal", c));
      case "<=>":
        return not(comparison("Distinct", c));
      case "<":
        return comparison("LessThan", c);
      case ">":
        return comparison("GreaterThan", c);
      case "<=":
        return not(comparison("GreaterThan", c));
      case ">=":
        return not(comparison("LessThan", c));
      case "IN":
        return in(c);
      case "STARTS_WITH":
        return startsWith(c);
      default:
        throw new Untranslatable();
    }
  }

  private static Predicate child(Expression[] children, int i) throws Untranslatable {
    if (children.length > i && children[i] instanceof Predicate p) {
      return p;
    }
    throw new Untranslatable();
  }

  /** A binary comparison of a column and a literal of its type, in either order. */
  private String comparison(String op, Expression[] c) throws Untranslatable {
    if (c.length != 2) {
      throw new Untranslatable();
    }
    if (c[0] instanceof NamedReference && c[1] instanceof Literal<?>) {
      ColumnRef column = column(c[0]);
      return binary(op, column.json(), literal(c[1], column.type()));
    }
    if (c[0] instanceof Literal<?> && c[1] instanceof NamedReference) {
      // Equal and Distinct are symmetric; LessThan/GreaterThan swap with the operands.
      String swapped =
          switch (op) {
            case "LessThan" -> "GreaterThan";
            case "GreaterThan" -> "LessThan";
            default -> op;
          };
      ColumnRef column = column(c[1]);
      return binary(swapped, column.json(), literal(c[0], column.type()));
    }
    throw new Untranslatable();
  }

  private String in(Expression[] c) throws Untranslatable {
    if (c.length < 2) {
      throw new Untranslatable();
    }
    ColumnRef column = column(c[0]);
    List<String> equals = new ArrayList<>();
    for (int i = 1; i < c.length; i++) {
      // A NULL element never matches; with others present the IN is true or NULL, never false,
      // where another element matches, so dropping NULL elements keeps the rows Spark keeps.
      if (c[i] instanceof Literal<?> l && l.value() == null) {
        continue;
      }
      equals.add(binary("Equal", column.json(), literal(c[i], column.type())));
    }
    if (equals.isEmpty()) {
      throw new Untranslatable();
    }
    return equals.size() == 1 ? equals.get(0) : junction("Or", equals);
  }

  private String startsWith(Expression[] c) throws Untranslatable {
    if (c.length != 2
        || !(c[1] instanceof Literal<?> l)
        || !(l.dataType() instanceof StringType)
        || l.value() == null) {
      throw new Untranslatable();
    }
    ColumnRef ref = column(c[0]);
    if (!ref.type().equals(l.dataType()) || !binaryOrdered(ref.type())) {
      throw new Untranslatable();
    }
    String column = ref.json();
    String prefix = l.value().toString();
    if (prefix.isEmpty()) {
      return not(isNull(column));
    }
    String lower = not(binary("LessThan", column, string(prefix)));
    Optional<String> next = nextPrefix(prefix);
    if (next.isEmpty()) {
      return lower;
    }
    return junction("And", List.of(lower, binary("LessThan", column, string(next.get()))));
  }

  /**
   * The smallest string greater than every string starting with {@code prefix}: the prefix with its
   * last code point incremented (dropping trailing code points that cannot be incremented).
   */
  static Optional<String> nextPrefix(String prefix) {
    int[] cps = prefix.codePoints().toArray();
    for (int i = cps.length - 1; i >= 0; i--) {
      int next = cps[i] + 1;
      if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
        next = Character.MAX_SURROGATE + 1;
      }
      if (next <= Character.MAX_CODE_POINT) {
        cps[i] = next;
        return Optional.of(new String(cps, 0, i + 1));
      }
    }
    return Optional.empty();
  }

  /**
   * The schema's column a reference names, through nested structs; only scalar columns, which the
   * kernel has statistics and partition values for.
   */
  private ColumnRef column(Expression e) throws Untranslatable {
    if (!(e instanceof NamedReference ref) || ref.fieldNames().length == 0) {
      throw new Untranslatable();
    }
    DataType type = schema;
    List<String> path = new ArrayList<>();
    for (String name : ref.fieldNames()) {
      if (!(type instanceof StructType struct) || !List.of(struct.fieldNames()).contains(name)) {
        throw new Untranslatable();
      }
      type = struct.apply(name).dataType();
      path.add(quote(name));
    }
    if (!scalarType(type)) {
      throw new Untranslatable();
    }
    return new ColumnRef("{\"Column\":{\"path\":[" + String.join(",", path) + "]}}", type);
  }

  /** A literal of exactly the column's type (Spark casts literals to the column's type). */
  private static String literal(Expression e, DataType columnType) throws Untranslatable {
    if (!(e instanceof Literal<?> l) || !l.dataType().equals(columnType)) {
      throw new Untranslatable();
    }
    return "{\"Literal\":" + scalar(l.value(), l.dataType()) + "}";
  }

  /** The types {@link #scalar} writes: the kernel's primitive types. */
  private static boolean scalarType(DataType type) {
    return type instanceof BooleanType
        || type instanceof ByteType
        || type instanceof ShortType
        || type instanceof IntegerType
        || type instanceof LongType
        || type instanceof FloatType
        || type instanceof DoubleType
        || type instanceof StringType
        || type instanceof DateType
        || type instanceof TimestampType
        || type instanceof TimestampNTZType
        || type instanceof DecimalType
        || type instanceof BinaryType;
  }

  /** Only the default (binary) collation compares strings as the kernel does. */
  private static boolean binaryOrdered(DataType type) {
    return !(type instanceof StringType s)
        || s.supportsBinaryEquality() && s.supportsBinaryOrdering();
  }

  private static String string(String value) {
    return "{\"Literal\":{\"String\":" + quote(value) + "}}";
  }

  /** A kernel Scalar for a Spark literal (Spark's internal value representation). */
  static String scalar(Object value, DataType type) throws Untranslatable {
    if (value == null) {
      throw new Untranslatable();
    }
    if (type instanceof BooleanType) {
      return "{\"Boolean\":" + value + "}";
    } else if (type instanceof ByteType) {
      return "{\"Byte\":" + value + "}";
    } else if (type instanceof ShortType) {
      return "{\"Short\":" + value + "}";
    } else if (type instanceof IntegerType) {
      return "{\"Integer\":" + value + "}";
    } else if (type instanceof LongType) {
      return "{\"Long\":" + value + "}";
    } else if (type instanceof FloatType) {
      float f = (Float) value;
      if (Float.isNaN(f) || Float.isInfinite(f)) {
        throw new Untranslatable();
      }
      return "{\"Float\":" + f + "}";
    } else if (type instanceof DoubleType) {
      double d = (Double) value;
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new Untranslatable();
      }
      return "{\"Double\":" + d + "}";
    } else if (type instanceof StringType) {
      if (!binaryOrdered(type)) {
        throw new Untranslatable();
      }
      return "{\"String\":" + quote(value.toString()) + "}";
    } else if (type instanceof DateType) {
      return "{\"Date\":" + value + "}";
    } else if (type instanceof TimestampType) {
      return "{\"Timestamp\":" + value + "}";
    } else if (type instanceof TimestampNTZType) {
      return "{\"TimestampNtz\":" + value + "}";
    } else if (type instanceof DecimalType d) {
      Decimal decimal = value instanceof Decimal v ? v : Decimal.apply(value.toString());
      java.math.BigDecimal big = decimal.toJavaBigDecimal().setScale(d.scale());
      return "{\"Decimal\":{\"bits\":"
          + big.unscaledValue()
          + ",\"ty\":{\"precision\":"
          + d.precision()
          + ",\"scale\":"
          + d.scale()
          + "}}}";
    } else if (type instanceof BinaryType) {
      byte[] bytes = (byte[]) value;
      StringBuilder sb = new StringBuilder("{\"Binary\":[");
      for (int i = 0; i < bytes.length; i++) {
        sb.append(i == 0 ? "" : ",").append(bytes[i] & 0xff);
      }
      return sb.append("]}").toString();
    }
    throw new Untranslatable();
  }

  private static String binary(String op, String left, String right) {
    return "{\"Binary\":{\"op\":\"" + op + "\",\"left\":" + left + ",\"right\":" + right + "}}";
  }

  private static String isNull(String expr) {
    return "{\"Unary\":{\"op\":\"IsNull\",\"expr\":" + expr + "}}";
  }

  private static String not(String pred) {
    return "{\"Not\":" + pred + "}";
  }

  private static String junction(String op, List<String> preds) {
    return "{\"Junction\":{\"op\":\"" + op + "\",\"preds\":[" + String.join(",", preds) + "]}}";
  }

  /** A JSON string literal. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
