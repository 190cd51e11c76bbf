package dev.deltaffi.spark;

import dev.deltaffi.spark.vectors.StructVector;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Add;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Coalesce;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.execution.datasources.FileFormat$;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.execution.vectorized.ColumnVectorUtils;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The hidden {@code _metadata} column, with the fields delta-spark gives it:
 *
 * <ul>
 *   <li>the per-file fields Spark defines for every file source (path, name, size, block start and
 *       length, modification time), with the values Spark itself computes for a file;
 *   <li>{@code row_index}: the row's position in its file, counting rows deletion vectors drop;
 *   <li>with row tracking: {@code row_id} (the row's materialized id, else the file's {@code
 *       baseRowId} + row index), {@code base_row_id}, {@code default_row_commit_version} and {@code
 *       row_commit_version} (the materialized version, else the file's default).
 * </ul>
 *
 * <p>A query may ask for a subset of the fields in any order; an instance keeps that shape.
 */
final class MetadataColumns implements Serializable {
  static final String NAME = FileFormat$.MODULE$.METADATA_NAME();
  static final String ROW_INDEX = ParquetFileFormat$.MODULE$.ROW_INDEX();
  static final String ROW_ID = "row_id";
  static final String BASE_ROW_ID = "base_row_id";
  static final String DEFAULT_ROW_COMMIT_VERSION = "default_row_commit_version";
  static final String ROW_COMMIT_VERSION = "row_commit_version";

  /**
   * A table's row tracking: the physical names of the columns its data files may materialize row
   * ids and row commit versions in.
   */
  record RowTracking(String materializedRowId, String materializedRowCommitVersion)
      implements Serializable {

    /**
     * The row tracking of a table whose kernel snapshot names these materialized columns (row id,
     * row commit version; none when row tracking is not enabled); null when it is not enabled.
     */
    static RowTracking of(List<String> columns) {
      return columns.isEmpty() ? null : new RowTracking(columns.get(0), columns.get(1));
    }
  }

  private final StructType requested;
  private final RowTracking rowTracking;

  /** Every offered field, by name: the types of the per-file values. */
  private final StructType offered;

  /** The per-file values the requested fields need, in {@link #struct}'s order. */
  private final List<String> constants;

  private MetadataColumns(StructType requested, RowTracking rowTracking) {
    this.requested = requested;
    this.rowTracking = rowTracking;
    this.offered = schema(rowTracking);
    this.constants = new ArrayList<>(constantNames(requested));
  }

  /** Every field of the column, for a table with this row tracking (null: none). */
  static StructType schema(RowTracking rowTracking) {
    List<StructField> fields =
        new ArrayList<>(CollectionConverters.asJava(FileFormat$.MODULE$.BASE_METADATA_FIELDS()));
    fields.add(longField(ROW_INDEX));
    if (rowTracking != null) {
      for (String name :
          List.of(ROW_ID, BASE_ROW_ID, DEFAULT_ROW_COMMIT_VERSION, ROW_COMMIT_VERSION)) {
        fields.add(longField(name));
      }
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** The {@code _metadata} column of a table with this row tracking (null: none). */
  static MetadataColumn column(RowTracking rowTracking) {
    StructType type = schema(rowTracking);
    return new MetadataColumn() {
      @Override
      public String name() {
        return NAME;
      }

      @Override
      public DataType dataType() {
        return type;
      }

      @Override
      public boolean isNullable() {
        return false;
      }
    };
  }

  /** The fields of {@code type} (the {@code _metadata} type Spark asked for). */
  static MetadataColumns requested(StructType type, RowTracking rowTracking) {
    List<String> offered = List.of(schema(rowTracking).fieldNames());
    for (StructField field : type.fields()) {
      if (!offered.contains(field.name())) {
        throw new IllegalArgumentException("no metadata field " + field.name());
      }
    }
    return new MetadataColumns(type, rowTracking);
  }

  StructField field() {
    return new StructField(NAME, requested, false, Metadata.empty());
  }

  boolean needsRowIndex() {
    return asks(ROW_INDEX) || asks(ROW_ID);
  }

  /**
   * Columns to read from the data files besides the table's: the materialized row ids and commit
   * versions (NULL where a file has none).
   */
  List<StructField> materializedColumns() {
    List<StructField> columns = new ArrayList<>();
    if (asks(ROW_ID)) {
      columns.add(nullableLongField(rowTracking.materializedRowId()));
    }
    if (asks(ROW_COMMIT_VERSION)) {
      columns.add(nullableLongField(rowTracking.materializedRowCommitVersion()));
    }
    return columns;
  }

  /** The per-file values to append to each row read from {@code file}: see {@link #struct}. */
  InternalRow fileConstants(PartitionedFile file) {
    List<Object> values = new ArrayList<>();
    for (String name : constants) {
      values.add(
          FileFormat$.MODULE$
              .getFileConstantMetadataColumnValue(
                  name, file, FileFormat$.MODULE$.BASE_METADATA_EXTRACTORS(), fieldType(name))
              .value());
    }
    return new GenericInternalRow(values.toArray());
  }

  /**
   * The {@code _metadata} struct over a row read from a file joined with {@link #fileConstants}.
   * The row index is at {@code rowIndexOrdinal}, the {@link #materializedColumns} from {@code
   * materializedStart}, the file's constants from {@code constantsStart}.
   */
  Expression struct(int rowIndexOrdinal, int materializedStart, int constantsStart) {
    Expression rowIndex = new BoundReference(rowIndexOrdinal, DataTypes.LongType, false);
    int materialized = materializedStart;
    List<Expression> children = new ArrayList<>();
    for (StructField field : requested.fields()) {
      String name = field.name();
      Expression value;
      if (name.equals(ROW_INDEX)) {
        value = rowIndex;
      } else if (name.equals(ROW_ID)) {
        Expression base = constant(constantsStart, BASE_ROW_ID);
        value = coalesce(materializedLong(materialized++), new Add(base, rowIndex));
      } else if (name.equals(ROW_COMMIT_VERSION)) {
        Expression fallback = constant(constantsStart, DEFAULT_ROW_COMMIT_VERSION);
        value = coalesce(materializedLong(materialized++), fallback);
      } else {
        value = constant(constantsStart, name);
      }
      children.add(Literal.create(name, DataTypes.StringType));
      children.add(value);
    }
    return new CreateNamedStruct(CollectionConverters.asScala(children).toSeq());
  }

  /**
   * The {@code _metadata} column of each batch read from {@code file}: the file's constants as
   * constant vectors, the row index from the batch's row-index vector at {@code rowIndexOrdinal},
   * and row ids and commit versions from the batch's {@link #materializedColumns} (from {@code
   * materializedStart}), else the file's base row id + row index or default commit version.
   */
  Function<ColumnarBatch, ColumnVector> batches(
      PartitionedFile file, int rowIndexOrdinal, int materializedStart) {
    InternalRow constantValues = fileConstants(file);
    StructField[] fields = requested.fields();
    ColumnVector[] vectors = new ColumnVector[fields.length];
    List<Consumer<ColumnarBatch>> perBatch = new ArrayList<>();
    int materialized = materializedStart;
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      int field = i;
      if (name.equals(ROW_INDEX)) {
        perBatch.add(batch -> vectors[field] = batch.column(rowIndexOrdinal));
      } else if (name.equals(ROW_ID) || name.equals(ROW_COMMIT_VERSION)) {
        boolean rowId = name.equals(ROW_ID);
        int fallbackOrdinal = constants.indexOf(rowId ? BASE_ROW_ID : DEFAULT_ROW_COMMIT_VERSION);
        Long fallback =
            constantValues.isNullAt(fallbackOrdinal)
                ? null
                : constantValues.getLong(fallbackOrdinal);
        int materializedOrdinal = materialized++;
        CoalescedLongs values = new CoalescedLongs();
        perBatch.add(
            batch ->
                vectors[field] =
                    values.fill(
                        batch.numRows(),
                        batch.column(materializedOrdinal),
                        fallback,
                        rowId ? batch.column(rowIndexOrdinal) : null));
      } else {
        ConstantColumnVector constant = new ConstantColumnVector(1, fieldType(name));
        ColumnVectorUtils.populate(constant, constantValues, constants.indexOf(name));
        vectors[field] = constant;
      }
    }
    return batch -> {
      perBatch.forEach(fill -> fill.accept(batch));
      return new StructVector(requested, vectors);
    };
  }

  /**
   * A long vector reused across a file's batches: each row's materialized value, else a fallback
   * (plus the row's index for row ids; NULL when there is no fallback).
   */
  private static final class CoalescedLongs {
    private OnHeapColumnVector vector;
    private int capacity;

    ColumnVector fill(int rows, ColumnVector materialized, Long fallback, ColumnVector rowIndex) {
      if (vector == null || capacity < rows) {
        capacity = Math.max(rows, 1);
        vector = new OnHeapColumnVector(capacity, DataTypes.LongType);
      } else {
        vector.reset();
      }
      for (int row = 0; row < rows; row++) {
        if (!materialized.isNullAt(row)) {
          vector.putLong(row, materialized.getLong(row));
        } else if (fallback == null) {
          vector.putNull(row);
        } else {
          vector.putLong(row, fallback + (rowIndex == null ? 0 : rowIndex.getLong(row)));
        }
      }
      return vector;
    }
  }

  private boolean asks(String name) {
    return List.of(requested.fieldNames()).contains(name);
  }

  private static Set<String> constantNames(StructType requested) {
    Set<String> names = new LinkedHashSet<>();
    for (StructField field : requested.fields()) {
      switch (field.name()) {
        case "row_index" -> {}
        case ROW_ID -> names.add(BASE_ROW_ID);
        case ROW_COMMIT_VERSION -> names.add(DEFAULT_ROW_COMMIT_VERSION);
        default -> names.add(field.name());
      }
    }
    return names;
  }

  private DataType fieldType(String name) {
    return offered.apply(name).dataType();
  }

  private Expression constant(int start, String name) {
    return new BoundReference(start + constants.indexOf(name), fieldType(name), true);
  }

  private static Expression materializedLong(int ordinal) {
    return new BoundReference(ordinal, DataTypes.LongType, true);
  }

  private static Expression coalesce(Expression first, Expression second) {
    return new Coalesce(CollectionConverters.asScala(List.of(first, second)).toSeq());
  }

  private static StructField longField(String name) {
    return new StructField(name, DataTypes.LongType, false, Metadata.empty());
  }

  private static StructField nullableLongField(String name) {
    return new StructField(name, DataTypes.LongType, true, Metadata.empty());
  }
}
