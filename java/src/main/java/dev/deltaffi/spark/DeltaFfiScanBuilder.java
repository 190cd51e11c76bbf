package dev.deltaffi.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds a scan of the columns Spark needs. The kernel plans it when Spark first needs the plan:
 * the live files and the physical read schema come from the kernel's scan, never from Java.
 *
 * <p>Filters Spark pushes that translate to kernel predicates (see {@link KernelPredicates}) go to
 * the kernel's scan for partition pruning and statistics-based file skipping. Skipping is
 * best-effort, so every filter also stays with Spark as a post-scan filter.
 */
final class DeltaFfiScanBuilder
    implements SupportsPushDownRequiredColumns, SupportsPushDownV2Filters {

  private final DeltaFfiTable table;

  /** Top-level columns to read; null until Spark prunes (then all columns are read). */
  private List<String> columns;

  /** The {@code _metadata} fields the query reads; null: none. */
  private MetadataColumns metadata;

  /** The Spark predicates handed to the kernel, and their kernel JSON, in the same order. */
  private final List<Predicate> pushed = new ArrayList<>();

  private final List<String> pushedJson = new ArrayList<>();

  DeltaFfiScanBuilder(DeltaFfiTable table) {
    this.table = table;
  }

  /**
   * Prunes to top-level columns only: a nested field Spark asks for is read with its whole
   * top-level column, and Spark extracts the field.
   */
  @Override
  public void pruneColumns(StructType requiredSchema) {
    metadata = null;
    List<String> names = new ArrayList<>();
    for (StructField field : requiredSchema.fields()) {
      if (field.name().equals(MetadataColumns.NAME) && table.offersMetadataColumn()) {
        metadata = MetadataColumns.requested((StructType) field.dataType(), table.rowTracking());
      } else {
        names.add(field.name());
      }
    }
    columns = names;
  }

  /**
   * Hands the kernel what it can use of each predicate over the table's columns (not those on
   * {@code _metadata}, which the kernel does not know; see {@link KernelPredicates}); Spark still
   * evaluates all of them.
   */
  @Override
  public Predicate[] pushPredicates(Predicate[] predicates) {
    pushed.clear();
    pushedJson.clear();
    KernelPredicates kernel = new KernelPredicates(table.schema());
    for (Predicate predicate : predicates) {
      Optional<String> json = kernel.translate(predicate);
      if (json.isPresent()) {
        pushed.add(predicate);
        pushedJson.add(json.get());
      }
    }
    return predicates;
  }

  @Override
  public Predicate[] pushedPredicates() {
    return pushed.toArray(new Predicate[0]);
  }

  @Override
  public Scan build() {
    return new DeltaFfiScan(table, columns, KernelPredicates.and(pushedJson), metadata);
  }
}
