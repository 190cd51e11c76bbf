package dev.deltaffi.kernel.ir;

import java.util.List;
import java.util.Map;

/**
 * A kernel expression (mirrors delta_kernel's Expression). Expressions carry no result types: the
 * translator supplies them from the enclosing operator's schema, as the kernel's own evaluator
 * does.
 */
public sealed interface Expr {

  record Column(List<String> path) implements Expr {}

  /**
   * A literal. {@code value} is null for a typed NULL; otherwise Boolean, Byte, Short, Integer,
   * Long, Float, Double, String, byte[] (binary), java.math.BigDecimal (decimal), Integer (date,
   * days since epoch), Long (timestamp / timestamp_ntz, microseconds since epoch), List (array
   * elements or struct field values, each a Literal) or {@link MapEntries} (map).
   */
  record Literal(KernelType type, Object value) implements Expr {}

  /** Map literal contents: parallel lists of key and value literals. */
  record MapEntries(List<Literal> keys, List<Literal> values) {}

  record PredicateExpr(Pred predicate) implements Expr {}

  /**
   * A struct built field by field; NULL where {@code keep} (may be null: always keep) is not true.
   */
  record Struct(List<Expr> fields, Expr keep) implements Expr {}

  /**
   * A sparse patch of the struct at {@code inputPath} (empty list: the top-level row). Fields not
   * in {@code fieldPatches} pass through in input order.
   */
  record StructPatch(
      List<String> inputPath,
      Map<String, FieldPatch> fieldPatches,
      List<Expr> prepended,
      List<Expr> appended)
      implements Expr {}

  record FieldPatch(boolean keepInput, List<Expr> insertions, boolean optional) {}

  /** Unary expression: op is TO_JSON. */
  record Unary(String op, Expr child) implements Expr {}

  /** Binary arithmetic: op is PLUS, MINUS, MULTIPLY or DIVIDE. */
  record Binary(String op, Expr left, Expr right) implements Expr {}

  /** Variadic: op is COALESCE or ARRAY. */
  record Variadic(String op, List<Expr> children) implements Expr {}

  record ParseJson(Expr json, KernelType.Struct schema) implements Expr {}

  /** Delta partition-value parsing; {@code timezone} null means UTC. */
  record MapToStruct(Expr map, String timezone) implements Expr {}

  record Cast(Expr child, KernelType target) implements Expr {}

  /** Unknown or Opaque: must fail at translation, never evaluate to NULL. */
  record Unsupported(String kind, String description) implements Expr {}
}
