package dev.deltaffi.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.execution.datasources.FileFormat$;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The hidden {@code _metadata} column of Spark's file sources: the per-file fields Spark defines
 * for every file source (path, name, size, block start and length, modification time), with the
 * values Spark itself computes for a file, and the Parquet row index (the row's position in its
 * file, before deletion vectors drop rows, as in delta-spark).
 *
 * <p>A query may ask for a subset of the fields in any order; {@link #requested} keeps that shape.
 */
final class MetadataColumns implements Serializable {
  static final String NAME = FileFormat$.MODULE$.METADATA_NAME();
  static final String ROW_INDEX = ParquetFileFormat$.MODULE$.ROW_INDEX();

  /** Every field a query can ask for. */
  static final StructType SCHEMA = fullSchema();

  private final StructType requested;

  private MetadataColumns(StructType requested) {
    this.requested = requested;
  }

  /** The {@code _metadata} column the table offers. */
  static MetadataColumn column() {
    return new MetadataColumn() {
      @Override
      public String name() {
        return NAME;
      }

      @Override
      public DataType dataType() {
        return SCHEMA;
      }

      @Override
      public boolean isNullable() {
        return false;
      }
    };
  }

  /** The metadata fields of {@code type} (the {@code _metadata} type Spark asked for). */
  static MetadataColumns requested(StructType type) {
    for (StructField field : type.fields()) {
      if (!List.of(SCHEMA.fieldNames()).contains(field.name())) {
        throw new IllegalArgumentException("no metadata field " + field.name());
      }
    }
    return new MetadataColumns(type);
  }

  StructField field() {
    return new StructField(NAME, requested, false, org.apache.spark.sql.types.Metadata.empty());
  }

  boolean needsRowIndex() {
    return List.of(requested.fieldNames()).contains(ROW_INDEX);
  }

  /** The per-file values, in request order, row index excluded: append them to each row read. */
  InternalRow fileConstants(PartitionedFile file) {
    List<Object> values = new ArrayList<>();
    for (StructField field : requested.fields()) {
      if (!field.name().equals(ROW_INDEX)) {
        values.add(
            FileFormat$.MODULE$
                .getFileConstantMetadataColumnValue(
                    field.name(),
                    file,
                    FileFormat$.MODULE$.BASE_METADATA_EXTRACTORS(),
                    field.dataType())
                .value());
      }
    }
    return new GenericInternalRow(values.toArray());
  }

  /**
   * The {@code _metadata} struct over a row read from a file joined with {@link #fileConstants}:
   * the constants start at {@code constantsStart}, the row index is at {@code rowIndexOrdinal}.
   */
  Expression struct(int constantsStart, int rowIndexOrdinal) {
    List<Expression> children = new ArrayList<>();
    int constant = constantsStart;
    for (StructField field : requested.fields()) {
      children.add(Literal.create(field.name(), org.apache.spark.sql.types.DataTypes.StringType));
      int ordinal = field.name().equals(ROW_INDEX) ? rowIndexOrdinal : constant++;
      children.add(new BoundReference(ordinal, field.dataType(), field.nullable()));
    }
    return new CreateNamedStruct(CollectionConverters.asScala(children).toSeq());
  }

  private static StructType fullSchema() {
    List<StructField> fields =
        new ArrayList<>(CollectionConverters.asJava(FileFormat$.MODULE$.BASE_METADATA_FIELDS()));
    fields.add(
        new StructField(
            ROW_INDEX,
            org.apache.spark.sql.types.DataTypes.LongType,
            false,
            org.apache.spark.sql.types.Metadata.empty()));
    return new StructType(fields.toArray(new StructField[0]));
  }
}
