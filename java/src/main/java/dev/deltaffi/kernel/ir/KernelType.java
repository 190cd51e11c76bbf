package dev.deltaffi.kernel.ir;

import java.util.List;
import java.util.Map;

/** A kernel data type, as the plan visitor reports it (mirrors delta_kernel's DataType). */
public sealed interface KernelType {

  /**
   * A primitive type by its kernel name: string, long, integer, short, byte, float, double,
   * boolean, binary, date, timestamp, timestamp_ntz, variant (struct-backed, reported here by
   * name).
   */
  record Primitive(String name) implements KernelType {}

  record Decimal(int precision, int scale) implements KernelType {}

  /** A struct field; {@code metadata} holds the kernel's field metadata rendered as strings. */
  record Field(String name, KernelType type, boolean nullable, Map<String, String> metadata) {}

  record Struct(List<Field> fields) implements KernelType {
    public Field field(String name) {
      for (Field f : fields) {
        if (f.name().equals(name)) {
          return f;
        }
      }
      return null;
    }
  }

  record Array(KernelType element, boolean containsNull) implements KernelType {}

  record MapType(KernelType key, KernelType value, boolean valueContainsNull)
      implements KernelType {}
}
