package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.struct;

import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Kernel types and literals in Spark terms. */
public final class SparkTypes {

  /** The field metadata key of a Parquet field id, for the kernel and for Spark alike. */
  private static final String PARQUET_FIELD_ID = "parquet.field.id";

  private SparkTypes() {}

  /** The Spark type of a kernel type: same names, same nullability, at every depth. */
  public static DataType toSpark(KernelType type) {
    return toSpark(type, false);
  }

  public static StructType toSpark(KernelType.Struct struct) {
    return (StructType) toSpark(struct, false);
  }

  /**
   * Like {@link #toSpark(KernelType.Struct)}, each field keeping the kernel's Parquet field id
   * (column mapping {@code id} mode) as the metadata Spark's Parquet reader matches columns by when
   * {@code spark.sql.parquet.fieldId.read.enabled} is set.
   */
  public static StructType withParquetFieldIds(KernelType.Struct struct) {
    return (StructType) toSpark(struct, true);
  }

  private static DataType toSpark(KernelType type, boolean fieldIds) {
    if (type instanceof KernelType.Primitive p) {
      return primitive(p.name());
    } else if (type instanceof KernelType.Decimal d) {
      return DataTypes.createDecimalType(d.precision(), d.scale());
    } else if (type instanceof KernelType.Struct s) {
      return new StructType(
          s.fields().stream()
              .map(
                  f ->
                      DataTypes.createStructField(
                          f.name(),
                          toSpark(f.type(), fieldIds),
                          f.nullable(),
                          fieldIds ? fieldIdMetadata(f) : Metadata.empty()))
              .toArray(StructField[]::new));
    } else if (type instanceof KernelType.Array a) {
      return DataTypes.createArrayType(toSpark(a.element(), fieldIds), a.containsNull());
    }
    KernelType.MapType m = (KernelType.MapType) type;
    return DataTypes.createMapType(
        toSpark(m.key(), fieldIds), toSpark(m.value(), fieldIds), m.valueContainsNull());
  }

  private static Metadata fieldIdMetadata(KernelType.Field field) {
    String id = field.metadata().get(PARQUET_FIELD_ID);
    return id == null
        ? Metadata.empty()
        : new MetadataBuilder().putLong(PARQUET_FIELD_ID, Long.parseLong(id)).build();
  }

  private static DataType primitive(String name) {
    return switch (name) {
      case "string" -> DataTypes.StringType;
      case "long" -> DataTypes.LongType;
      case "integer" -> DataTypes.IntegerType;
      case "short" -> DataTypes.ShortType;
      case "byte" -> DataTypes.ByteType;
      case "float" -> DataTypes.FloatType;
      case "double" -> DataTypes.DoubleType;
      case "boolean" -> DataTypes.BooleanType;
      case "binary" -> DataTypes.BinaryType;
      case "date" -> DataTypes.DateType;
      case "timestamp" -> DataTypes.TimestampType;
      case "timestamp_ntz" -> DataTypes.TimestampNTZType;
      // A column of type void holds only NULLs.
      case "void" -> DataTypes.NullType;
      // Unshredded on disk as a struct of binary metadata and value, which Spark's Parquet reader
      // reads as its own variant type.
      case "variant" -> DataTypes.VariantType;
      default -> throw new UnsupportedOperationException("Unsupported kernel type: " + name);
    };
  }

  /**
   * A literal as a constant Spark column of exactly the literal's type: typed NULLs, and nested
   * struct, array and map values.
   */
  public static Column literal(Expr.Literal literal) {
    DataType type = toSpark(literal.type());
    Object value = literal.value();
    if (value == null) {
      return lit(null).cast(type);
    }
    KernelType kernelType = literal.type();
    if (kernelType instanceof KernelType.Primitive p) {
      return primitiveLiteral(p.name(), value);
    } else if (kernelType instanceof KernelType.Struct s) {
      List<Expr.Literal> values = literals(value);
      List<Column> fields = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        fields.add(literal(values.get(i)).alias(s.fields().get(i).name()));
      }
      return struct(fields.toArray(Column[]::new)).cast(type);
    } else if (kernelType instanceof KernelType.Array) {
      return array(literals(value).stream().map(SparkTypes::literal).toArray(Column[]::new))
          .cast(type);
    } else if (kernelType instanceof KernelType.MapType) {
      Expr.MapEntries entries = (Expr.MapEntries) value;
      List<Column> keysAndValues = new ArrayList<>();
      for (int i = 0; i < entries.keys().size(); i++) {
        keysAndValues.add(literal(entries.keys().get(i)));
        keysAndValues.add(literal(entries.values().get(i)));
      }
      return map(keysAndValues.toArray(Column[]::new)).cast(type);
    }
    return lit(value).cast(type); // decimal: a BigDecimal
  }

  @SuppressWarnings("unchecked")
  private static List<Expr.Literal> literals(Object value) {
    return (List<Expr.Literal>) value;
  }

  private static Column primitiveLiteral(String name, Object value) {
    return switch (name) {
      case "date" -> lit(LocalDate.ofEpochDay((Integer) value));
      case "timestamp" -> lit(Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS));
      case "timestamp_ntz" ->
          lit(
              LocalDateTime.ofInstant(
                  Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS), ZoneOffset.UTC));
      // Boxed Java values map to the matching Spark type (Byte to ByteType, byte[] to binary...).
      default -> lit(value).cast(primitive(name));
    };
  }
}
