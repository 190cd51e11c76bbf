package dev.deltaffi.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.FieldReference;
import org.apache.spark.sql.connector.expressions.LiteralValue;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.And;
import org.apache.spark.sql.connector.expressions.filter.Not;
import org.apache.spark.sql.connector.expressions.filter.Or;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

class KernelPredicatesTest {

  private static final String A = "{\"Column\":{\"path\":[\"a\"]}}";
  private static final String FIVE = "{\"Literal\":{\"Long\":5}}";

  private static NamedReference col(String... path) {
    return FieldReference.apply(CollectionConverters.asScala(List.of(path)).toSeq());
  }

  private static Expression lit(Object value, DataType type) {
    return new LiteralValue<>(value, type);
  }

  private static Predicate p(String name, Expression... children) {
    return new Predicate(name, children);
  }

  /** a, b, c: long; s: string; n: struct of b (long); m: map; arr: array; i: int. */
  private static final StructType SCHEMA =
      new StructType()
          .add("a", DataTypes.LongType)
          .add("b", DataTypes.LongType)
          .add("c", DataTypes.LongType)
          .add("s", DataTypes.StringType)
          .add("i", DataTypes.IntegerType)
          .add("n", new StructType().add("b", DataTypes.LongType))
          .add("m", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
          .add("arr", DataTypes.createArrayType(DataTypes.LongType));

  private static final KernelPredicates KERNEL = new KernelPredicates(SCHEMA);

  private static Optional<String> translate(Predicate predicate) {
    return KERNEL.translate(predicate);
  }

  private static String json(Predicate predicate) {
    return translate(predicate).orElseThrow();
  }

  private static String bin(String op, String left, String right) {
    return "{\"Binary\":{\"op\":\"" + op + "\",\"left\":" + left + ",\"right\":" + right + "}}";
  }

  private static String not(String p) {
    return "{\"Not\":" + p + "}";
  }

  private static Expression five() {
    return lit(5L, DataTypes.LongType);
  }

  @Test
  void comparisons() {
    assertEquals(bin("Equal", A, FIVE), json(p("=", col("a"), five())));
    assertEquals(not(bin("Equal", A, FIVE)), json(p("<>", col("a"), five())));
    assertEquals(not(bin("Distinct", A, FIVE)), json(p("<=>", col("a"), five())));
    assertEquals(bin("LessThan", A, FIVE), json(p("<", col("a"), five())));
    assertEquals(bin("GreaterThan", A, FIVE), json(p(">", col("a"), five())));
    assertEquals(not(bin("GreaterThan", A, FIVE)), json(p("<=", col("a"), five())));
    assertEquals(not(bin("LessThan", A, FIVE)), json(p(">=", col("a"), five())));
  }

  @Test
  void literalOnTheLeftSwapsTheComparison() {
    assertEquals(bin("GreaterThan", A, FIVE), json(p("<", five(), col("a"))));
    assertEquals(not(bin("LessThan", A, FIVE)), json(p("<=", five(), col("a"))));
    assertEquals(bin("Equal", A, FIVE), json(p("=", five(), col("a"))));
  }

  @Test
  void theExampleOfTheBrief() {
    Predicate predicate = new And(p(">", col("n", "b"), five()), p("IS_NOT_NULL", col("c")));
    assertEquals(
        "{\"Junction\":{\"op\":\"And\",\"preds\":[{\"Binary\":{\"op\":\"GreaterThan\",\"left\":"
            + "{\"Column\":{\"path\":[\"n\",\"b\"]}},\"right\":{\"Literal\":{\"Long\":5}}}},"
            + "{\"Not\":{\"Unary\":{\"op\":\"IsNull\",\"expr\":{\"Column\":{\"path\":[\"c\"]}}}}}]}}",
        json(predicate));
  }

  @Test
  void nullChecksAndLogic() {
    String isNull = "{\"Unary\":{\"op\":\"IsNull\",\"expr\":" + A + "}}";
    assertEquals(isNull, json(p("IS_NULL", col("a"))));
    assertEquals(not(isNull), json(p("IS_NOT_NULL", col("a"))));
    assertEquals(not(isNull), json(new Not(p("IS_NULL", col("a")))));
    assertEquals(
        "{\"Junction\":{\"op\":\"Or\",\"preds\":[" + isNull + "," + bin("Equal", A, FIVE) + "]}}",
        json(new Or(p("IS_NULL", col("a")), p("=", col("a"), five()))));
  }

  @Test
  void inIsAnOrOfEquals() {
    Expression one = lit(1, DataTypes.IntegerType);
    Expression two = lit(2, DataTypes.IntegerType);
    String i = "{\"Column\":{\"path\":[\"i\"]}}";
    String eq1 = bin("Equal", i, "{\"Literal\":{\"Integer\":1}}");
    String eq2 = bin("Equal", i, "{\"Literal\":{\"Integer\":2}}");
    assertEquals(
        "{\"Junction\":{\"op\":\"Or\",\"preds\":[" + eq1 + "," + eq2 + "]}}",
        json(p("IN", col("i"), one, two)));
    assertEquals(eq1, json(p("IN", col("i"), one, lit(null, DataTypes.IntegerType))));
  }

  @Test
  void startsWithIsAStringRange() {
    String s = "{\"Column\":{\"path\":[\"s\"]}}";
    assertEquals(
        "{\"Junction\":{\"op\":\"And\",\"preds\":["
            + not(bin("LessThan", s, "{\"Literal\":{\"String\":\"ab\"}}"))
            + ","
            + bin("LessThan", s, "{\"Literal\":{\"String\":\"ac\"}}")
            + "]}}",
        json(p("STARTS_WITH", col("s"), lit(UTF8String.fromString("ab"), DataTypes.StringType))));
    assertEquals("a\uE000", KernelPredicates.nextPrefix("a\uD7FF").orElseThrow());
    assertEquals("b", KernelPredicates.nextPrefix("a\uDBFF\uDFFF").orElseThrow());
  }

  @Test
  void literals() {
    assertEquals("{\"Integer\":1}", scalar(1, DataTypes.IntegerType));
    assertEquals("{\"Short\":2}", scalar((short) 2, DataTypes.ShortType));
    assertEquals("{\"Byte\":3}", scalar((byte) 3, DataTypes.ByteType));
    assertEquals("{\"Boolean\":true}", scalar(true, DataTypes.BooleanType));
    assertEquals("{\"Double\":1.5}", scalar(1.5, DataTypes.DoubleType));
    assertEquals("{\"Float\":2.5}", scalar(2.5f, DataTypes.FloatType));
    assertEquals("{\"Date\":19000}", scalar(19000, DataTypes.DateType));
    assertEquals("{\"Timestamp\":123}", scalar(123L, DataTypes.TimestampType));
    assertEquals("{\"TimestampNtz\":456}", scalar(456L, DataTypes.TimestampNTZType));
    assertEquals(
        "{\"String\":\"q\\\"\\\\\\n\"}",
        scalar(UTF8String.fromString("q\"\\\n"), DataTypes.StringType));
    assertEquals(
        "{\"Decimal\":{\"bits\":-12345,\"ty\":{\"precision\":10,\"scale\":2}}}",
        scalar(Decimal.apply(new BigDecimal("-123.45")), DataTypes.createDecimalType(10, 2)));
    assertEquals("{\"Binary\":[1,255]}", scalar(new byte[] {1, -1}, DataTypes.BinaryType));
  }

  @Test
  void untranslatablePredicatesAreRefused() {
    assertTrue(translate(p("=", col("a"), lit(null, DataTypes.LongType))).isEmpty());
    assertTrue(translate(p("=", col("a"), col("b"))).isEmpty());
    assertTrue(translate(p("=", col("a"), lit(Double.NaN, DataTypes.DoubleType))).isEmpty());
    assertTrue(
        translate(p("ENDS_WITH", col("s"), lit(UTF8String.fromString("x"), DataTypes.StringType)))
            .isEmpty());
    // One untranslatable side refuses the whole junction: a NOT above it would otherwise widen.
    assertTrue(
        translate(new Not(new And(p("=", col("a"), five()), p("=", col("a"), col("b")))))
            .isEmpty());
    assertTrue(translate(new Predicate("ALWAYS_TRUE", new Expression[0])).isEmpty());
    assertEquals(null, KernelPredicates.and(List.of()));
    assertEquals("x", KernelPredicates.and(List.of("x")));
    assertEquals(
        "{\"Junction\":{\"op\":\"And\",\"preds\":[x,y]}}", KernelPredicates.and(List.of("x", "y")));
  }

  @Test
  void wholeNestedColumnsAndUnknownColumnsAreNotPushed() {
    for (String column : List.of("m", "arr", "n")) {
      assertTrue(translate(p("IS_NULL", col(column))).isEmpty(), column);
      assertTrue(translate(p("IS_NOT_NULL", col(column))).isEmpty(), column);
    }
    assertTrue(translate(p("=", col("_metadata", "file_path"), five())).isEmpty());
    assertTrue(translate(p("=", col("n", "missing"), five())).isEmpty());
    assertTrue(translate(p("=", col("a", "b"), five())).isEmpty());
  }

  @Test
  void aLiteralOfAnotherTypeThanItsColumnIsNotPushed() {
    assertTrue(translate(p("=", col("i"), five())).isEmpty());
    assertTrue(
        translate(p("STARTS_WITH", col("a"), lit(UTF8String.fromString("x"), DataTypes.StringType)))
            .isEmpty());
  }

  @Test
  void anAndKeepsTheSidesThatTranslate() {
    Predicate usable = p("=", col("a"), five());
    Predicate unusable = p("IS_NOT_NULL", col("m"));
    assertEquals(json(usable), json(new And(unusable, usable)));
    assertEquals(json(usable), json(new And(usable, unusable)));
    // Under an OR each side may only be weakened, never dropped.
    Predicate other = p("=", col("b"), five());
    assertEquals(
        "{\"Junction\":{\"op\":\"Or\",\"preds\":[" + json(usable) + "," + json(other) + "]}}",
        json(new Or(new And(usable, unusable), other)));
    assertTrue(translate(new Or(unusable, other)).isEmpty());
    assertTrue(translate(new And(unusable, unusable)).isEmpty());
  }

  private static String scalar(Object value, DataType type) {
    return new KernelPredicates(new StructType().add("a", type))
        .translate(p("=", col("a"), lit(value, type)))
        .orElseThrow()
        .replace("{\"Binary\":{\"op\":\"Equal\",\"left\":" + A + ",\"right\":{\"Literal\":", "")
        .replaceAll("}}}$", "");
  }
}
