package dev.deltaffi.arrow;

import dev.deltaffi.kernel.ir.KernelType;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Kernel types as Arrow fields, with the kernel's own conventions (list items {@code element}, map
 * entries {@code key_value{key, value}}, names and nullability exactly as the kernel schema says),
 * so results handed back match what the kernel's Arrow code expects.
 */
public final class ArrowSchemas {
  private ArrowSchemas() {}

  public static Schema toArrow(KernelType.Struct struct) {
    List<Field> fields = new ArrayList<>();
    for (KernelType.Field f : struct.fields()) {
      fields.add(field(f.name(), f.type(), f.nullable()));
    }
    return new Schema(fields);
  }

  private static Field field(String name, KernelType type, boolean nullable) {
    if (type instanceof KernelType.Struct struct) {
      List<Field> children = new ArrayList<>();
      for (KernelType.Field f : struct.fields()) {
        children.add(field(f.name(), f.type(), f.nullable()));
      }
      return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), children);
    }
    if (type instanceof KernelType.Array array) {
      Field element = field("element", array.element(), array.containsNull());
      return new Field(
          name, new FieldType(nullable, ArrowType.List.INSTANCE, null), List.of(element));
    }
    if (type instanceof KernelType.MapType map) {
      Field entries =
          new Field(
              "key_value",
              new FieldType(false, ArrowType.Struct.INSTANCE, null),
              List.of(
                  field("key", map.key(), false),
                  field("value", map.value(), map.valueContainsNull())));
      return new Field(
          name, new FieldType(nullable, new ArrowType.Map(false), null), List.of(entries));
    }
    return new Field(name, new FieldType(nullable, primitive(type), null), null);
  }

  private static ArrowType primitive(KernelType type) {
    if (type instanceof KernelType.Decimal d) {
      return new ArrowType.Decimal(d.precision(), d.scale(), 128);
    }
    String name = ((KernelType.Primitive) type).name();
    return switch (name) {
      case "string" -> ArrowType.Utf8.INSTANCE;
      case "long" -> new ArrowType.Int(64, true);
      case "integer" -> new ArrowType.Int(32, true);
      case "short" -> new ArrowType.Int(16, true);
      case "byte" -> new ArrowType.Int(8, true);
      case "float" -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case "double" -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case "boolean" -> ArrowType.Bool.INSTANCE;
      case "binary" -> ArrowType.Binary.INSTANCE;
      case "date" -> new ArrowType.Date(DateUnit.DAY);
      case "timestamp" -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
      case "timestamp_ntz" -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
      default ->
          throw new UnsupportedOperationException(
              "kernel type " + name + " cannot be handed back as Arrow");
    };
  }
}
