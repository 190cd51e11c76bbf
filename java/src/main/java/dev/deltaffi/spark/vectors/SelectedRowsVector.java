package dev.deltaffi.spark.vectors;

import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.CalendarInterval;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Some rows of a vector, without copying: row {@code i} of this vector is row {@code rows[i]} of
 * the one it selects from. Nested children select the same rows (a struct's fields are read through
 * its children); arrays and maps are read whole from the selected row.
 *
 * <p>It owns nothing: closing it leaves the selected vector, which its reader owns, open.
 */
public final class SelectedRowsVector extends ColumnVector {
  private final ColumnVector source;
  private final int[] rows;
  private final SelectedRowsVector[] children;

  public SelectedRowsVector(ColumnVector source, int[] rows) {
    super(source.dataType());
    this.source = source;
    this.rows = rows;
    // A struct's fields; a variant's value and metadata; an interval's three parts.
    this.children =
        new SelectedRowsVector[source.dataType() instanceof StructType struct ? struct.size() : 3];
  }

  @Override
  public void close() {}

  @Override
  public boolean hasNull() {
    return source.hasNull();
  }

  @Override
  public int numNulls() {
    if (!source.hasNull()) {
      return 0;
    }
    int nulls = 0;
    for (int row : rows) {
      if (source.isNullAt(row)) {
        nulls++;
      }
    }
    return nulls;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return source.isNullAt(rows[rowId]);
  }

  @Override
  public boolean getBoolean(int rowId) {
    return source.getBoolean(rows[rowId]);
  }

  @Override
  public byte getByte(int rowId) {
    return source.getByte(rows[rowId]);
  }

  @Override
  public short getShort(int rowId) {
    return source.getShort(rows[rowId]);
  }

  @Override
  public int getInt(int rowId) {
    return source.getInt(rows[rowId]);
  }

  @Override
  public long getLong(int rowId) {
    return source.getLong(rows[rowId]);
  }

  @Override
  public float getFloat(int rowId) {
    return source.getFloat(rows[rowId]);
  }

  @Override
  public double getDouble(int rowId) {
    return source.getDouble(rows[rowId]);
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    return source.getArray(rows[rowId]);
  }

  @Override
  public ColumnarMap getMap(int rowId) {
    return source.getMap(rows[rowId]);
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    return source.getDecimal(rows[rowId], precision, scale);
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    return source.getUTF8String(rows[rowId]);
  }

  @Override
  public byte[] getBinary(int rowId) {
    return source.getBinary(rows[rowId]);
  }

  @Override
  public CalendarInterval getInterval(int rowId) {
    return source.getInterval(rows[rowId]);
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    if (children[ordinal] == null) {
      children[ordinal] = new SelectedRowsVector(source.getChild(ordinal), rows);
    }
    return children[ordinal];
  }
}
