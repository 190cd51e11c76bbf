package dev.deltaffi.kernel.ir;

import java.util.List;

/** A kernel predicate (mirrors delta_kernel's Predicate). */
public sealed interface Pred {

  record BooleanExpression(Expr expr) implements Pred {}

  record Not(Pred child) implements Pred {}

  record IsNull(Expr expr) implements Pred {}

  /** op is LESS_THAN, GREATER_THAN, EQUAL, DISTINCT or IN. */
  record Binary(String op, Expr left, Expr right) implements Pred {}

  /** op is AND or OR. */
  record Junction(String op, List<Pred> children) implements Pred {}

  /** Unknown or Opaque: must fail at translation. */
  record Unsupported(String kind, String description) implements Pred {}
}
