package dev.deltaffi.kernel.ir;

import java.util.List;

/** One node of a kernel plan: an operator and the indices of its input nodes. */
public record PlanNode(Op op, int[] inputs) {

  /** A plan operator (mirrors delta_kernel's plans::ir::nodes::Operator). */
  public sealed interface Op {}

  /** One file of a scan and its file-constant values (one per constant column, in order). */
  public record ScanFile(
      String location, long size, long lastModified, List<Expr.Literal> constants) {}

  public record ScanParquet(
      List<ScanFile> files, List<String> constantColumns, KernelType.Struct schema) implements Op {}

  public record ScanJson(
      List<ScanFile> files, List<String> constantColumns, KernelType.Struct schema) implements Op {}

  /** Inline rows, one literal per top-level schema field. */
  public record Values(KernelType.Struct schema, List<List<Expr.Literal>> rows) implements Op {}

  public record RelationSource(String id, KernelType.Struct schema) implements Op {}

  public record Project(Expr expr, KernelType.Struct schema) implements Op {}

  public record Filter(Pred predicate) implements Op {}

  /** Reads files named by the input rows; fileType is PARQUET or JSON. */
  public record DynamicScan(
      KernelType.Struct schema,
      String fileType,
      String baseUrl,
      List<String> constantColumns,
      List<String> pathColumn,
      List<String> sizeColumn,
      List<String> lastModifiedColumn,
      List<String> deletionVectorColumn)
      implements Op {}

  /**
   * kind is MIN, MAX, SUM, COUNT, COUNT_STAR, MIN_NON_NULL_BY or MAX_NON_NULL_BY; sentinel and key
   * are set only for the *_NON_NULL_BY kinds, value is null for COUNT_STAR.
   */
  public record Agg(String kind, List<String> value, List<String> sentinel, List<String> key) {}

  public record Aggregate(List<List<String>> groupBy, List<Agg> aggs, KernelType.Struct schema)
      implements Op {}

  /** inputs are [probe, build]; inverted means anti join. */
  public record SemiJoin(
      boolean inverted, List<List<String>> probeKeys, List<List<String>> buildKeys) implements Op {}

  public record UnionAll() implements Op {}

  /** An operator this connector does not execute (e.g. WriteJson); translation fails naming it. */
  public record Unsupported(String name) implements Op {}
}
