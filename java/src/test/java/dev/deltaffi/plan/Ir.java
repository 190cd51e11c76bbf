package dev.deltaffi.plan;

import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Pred;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Terse constructors for hand-built kernel IR in tests. */
final class Ir {

  private Ir() {}

  static final KernelType LONG = new KernelType.Primitive("long");
  static final KernelType INTEGER = new KernelType.Primitive("integer");
  static final KernelType STRING = new KernelType.Primitive("string");
  static final KernelType BOOLEAN = new KernelType.Primitive("boolean");
  static final KernelType DOUBLE = new KernelType.Primitive("double");
  static final KernelType BINARY = new KernelType.Primitive("binary");

  static KernelType.Field field(String name, KernelType type, boolean nullable) {
    return new KernelType.Field(name, type, nullable, Map.of());
  }

  static KernelType.Field nullable(String name, KernelType type) {
    return field(name, type, true);
  }

  static KernelType.Field notNull(String name, KernelType type) {
    return field(name, type, false);
  }

  static KernelType.Struct struct(KernelType.Field... fields) {
    return new KernelType.Struct(List.of(fields));
  }

  static Expr.Column col(String... path) {
    return new Expr.Column(List.of(path));
  }

  static Expr.Literal lit(KernelType type, Object value) {
    return new Expr.Literal(type, value);
  }

  static Expr.Literal lit(long value) {
    return lit(LONG, value);
  }

  static Expr.Literal lit(int value) {
    return lit(INTEGER, value);
  }

  static Expr.Literal lit(String value) {
    return lit(STRING, value);
  }

  static Expr.Literal lit(boolean value) {
    return lit(BOOLEAN, value);
  }

  static Expr.Literal nullLit(KernelType type) {
    return lit(type, null);
  }

  static Expr.Struct structExpr(Expr... fields) {
    return new Expr.Struct(List.of(fields), null);
  }

  static Expr.Literal arrayLit(KernelType element, Expr.Literal... elements) {
    return lit(new KernelType.Array(element, true), Arrays.asList(elements));
  }

  static Pred isNotNull(Expr expr) {
    return new Pred.Not(new Pred.IsNull(expr));
  }

  static Pred binary(String op, Expr left, Expr right) {
    return new Pred.Binary(op, left, right);
  }

  static Expr predicate(Pred pred) {
    return new Expr.PredicateExpr(pred);
  }

  static List<String> path(String... segments) {
    return List.of(segments);
  }
}
