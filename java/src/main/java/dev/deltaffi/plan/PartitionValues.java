package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.when;

import dev.deltaffi.kernel.ir.KernelType;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * Delta partition-value parsing (the kernel's MapToStruct), which is not a CAST: an empty string is
 * NULL except for string and binary, booleans are only true/false, decimals must carry exactly the
 * declared scale, offset-less timestamps are in the given zone (UTC by default, never the
 * session's), and a value that does not parse fails the query. Each type's accepted shape is
 * checked with a regular expression before a {@code try_cast} does the conversion.
 */
final class PartitionValues {

  private PartitionValues() {}

  private static final String INTEGER = "^[+-]?[0-9]+$";
  private static final String FLOATING =
      "^[+-]?((?i)inf|infinity|nan|([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?)$";
  // Groups: 1 fraction digits, 2 exponent; at least one mantissa digit.
  private static final String DECIMAL =
      "^[+-]?(?=\\.?[0-9])[0-9]*(?:\\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$";
  private static final String DATE = "^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$";
  private static final String TIMESTAMP_START = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ Tt]|$)";
  private static final String DATE_ONLY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
  // A wall-clock timestamp: no offset, no zone.
  private static final String LOCAL_TIMESTAMP =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?$";

  /**
   * Parses one raw partition value (a string column, NULL when the key is absent) as the field's
   * type; {@code timezone} (IANA name or ±HH:MM, null for UTC) applies to offset-less timestamps.
   */
  static Column parse(Column raw, KernelType.Field field, String timezone) {
    KernelType type = field.type();
    if (!(type instanceof KernelType.Primitive || type instanceof KernelType.Decimal)) {
      throw new IllegalArgumentException(
          "MapToStruct: partition field `" + field.name() + "` has non-primitive type " + type);
    }
    DataType sparkType = SparkTypes.toSpark(type);
    if (sparkType.equals(DataTypes.StringType)) {
      return raw;
    }
    if (sparkType.equals(DataTypes.BinaryType)) {
      return raw.cast(DataTypes.BinaryType); // UTF-8 bytes; "" stays empty bytes
    }
    Column parsed = parseNonEmpty(raw, sparkType, timezone);
    Column error =
        raise_error(
            concat(
                lit("Failed to parse partition value '"),
                raw,
                lit("' of field `" + field.name() + "` as " + sparkType.simpleString())));
    return when(raw.isNull().or(raw.equalTo("")), lit(null).cast(sparkType))
        .when(parsed.isNotNull(), parsed)
        .otherwise(error);
  }

  /** The parsed value, or NULL when {@code raw} is not a valid encoding of the type. */
  private static Column parseNonEmpty(Column raw, DataType type, String timezone) {
    if (type.equals(DataTypes.BooleanType)) {
      Column lowered = lower(raw);
      return when(lowered.isin("true", "false"), lowered.equalTo("true"));
    }
    if (type.equals(DataTypes.ByteType)
        || type.equals(DataTypes.ShortType)
        || type.equals(DataTypes.IntegerType)
        || type.equals(DataTypes.LongType)) {
      return when(raw.rlike(INTEGER), raw.try_cast(type));
    }
    if (type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType)) {
      // Spark's cast knows NaN but not a signed one.
      Column unsignedNan = regexp_replace(raw, "^[+-]((?i)nan)$", "$1");
      return when(raw.rlike(FLOATING), unsignedNan.try_cast(type));
    }
    if (type instanceof DecimalType decimal) {
      // The scale written is the fraction digits less the exponent; it must be the declared one.
      Column exponent = nullif(regexp_extract(raw, DECIMAL, 2), lit("")).try_cast("int");
      Column scale = length(regexp_extract(raw, DECIMAL, 1)).minus(coalesce(exponent, lit(0)));
      return when(raw.rlike(DECIMAL).and(scale.equalTo(decimal.scale())), raw.try_cast(type));
    }
    if (type.equals(DataTypes.DateType)) {
      return when(raw.rlike(DATE), raw.try_cast(type));
    }
    if (type.equals(DataTypes.TimestampType)) {
      // Make the zone explicit so that the cast never falls back to the session time zone.
      String zone = " " + (timezone == null ? "UTC" : timezone);
      Column text = tSeparator(raw);
      Column zoned =
          when(raw.rlike(DATE_ONLY), concat(raw, lit(" 00:00:00" + zone)))
              .when(raw.rlike(LOCAL_TIMESTAMP), concat(text, lit(zone)))
              .otherwise(text);
      return when(raw.rlike(TIMESTAMP_START), zoned.try_cast(type));
    }
    if (type.equals(DataTypes.TimestampNTZType)) {
      return when(raw.rlike(LOCAL_TIMESTAMP), tSeparator(raw).try_cast(type));
    }
    throw new UnsupportedOperationException("MapToStruct: unsupported partition type " + type);
  }

  private static Column tSeparator(Column raw) {
    return regexp_replace(raw, "^([0-9]{4}-[0-9]{2}-[0-9]{2})t", "$1T");
  }
}
