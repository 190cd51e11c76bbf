package dev.deltaffi.spark.vectors;

import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A struct column made of one vector per field, never NULL itself (as {@code _metadata}). Spark
 * reads a struct's values through its children; the scalar getters do not apply.
 *
 * <p>It owns nothing: closing it leaves its fields' vectors, which their reader owns, open.
 */
public final class StructVector extends ColumnVector {
  private final ColumnVector[] fields;

  public StructVector(StructType type, ColumnVector[] fields) {
    super(type);
    if (fields.length != type.size()) {
      throw new IllegalArgumentException(fields.length + " vectors for " + type.simpleString());
    }
    this.fields = fields;
  }

  @Override
  public void close() {}

  @Override
  public boolean hasNull() {
    return false;
  }

  @Override
  public int numNulls() {
    return 0;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return false;
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    return fields[ordinal];
  }

  @Override
  public boolean getBoolean(int rowId) {
    throw notScalar();
  }

  @Override
  public byte getByte(int rowId) {
    throw notScalar();
  }

  @Override
  public short getShort(int rowId) {
    throw notScalar();
  }

  @Override
  public int getInt(int rowId) {
    throw notScalar();
  }

  @Override
  public long getLong(int rowId) {
    throw notScalar();
  }

  @Override
  public float getFloat(int rowId) {
    throw notScalar();
  }

  @Override
  public double getDouble(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnarMap getMap(int rowId) {
    throw notScalar();
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw notScalar();
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw notScalar();
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw notScalar();
  }

  private UnsupportedOperationException notScalar() {
    return new UnsupportedOperationException("a struct vector's values are its fields");
  }
}
