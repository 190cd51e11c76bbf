package dev.deltaffi.kernel;

import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The live-files contract (rust/src/machine/scan.rs, {@code LIVE_FILE_COLUMNS}): one row per live
 * file with these columns in this order, on every placement: an in-process scan hands them over as
 * Arrow, a metadata plan run on Spark is projected to them. This is their one decoder.
 */
final class LiveFiles {
  /** The contract's columns; on Spark, the fields of the metadata plan's {@code add} struct. */
  static final List<String> COLUMNS =
      List.of(
          "path",
          "size",
          "modificationTime",
          "deletionVector",
          "partitionValues_parsed",
          "baseRowId",
          "defaultRowCommitVersion");

  static final int PARTITION_VALUES = COLUMNS.indexOf("partitionValues_parsed");

  private LiveFiles() {}

  /**
   * A live file from a row laid out as {@link #COLUMNS}; its path resolved against {@code
   * tableRoot}, its partition values a row of {@code partitionFields} fields.
   */
  static ScanFileInfo decode(String tableRoot, InternalRow row, int partitionFields) {
    return new ScanFileInfo(
        FileUris.resolve(tableRoot, row.getUTF8String(0).toString()).toString(),
        row.getLong(1),
        row.getLong(2),
        row.getStruct(PARTITION_VALUES, partitionFields).copy(),
        row.isNullAt(3) ? null : deletionVector(row.getStruct(3, 5)),
        row.isNullAt(5) ? null : row.getLong(5),
        row.isNullAt(6) ? null : row.getLong(6));
  }

  /**
   * The kernel's descriptor struct (storageType, pathOrInlineDv, offset, sizeInBytes, cardinality).
   */
  private static DeletionVectors.Descriptor deletionVector(InternalRow descriptor) {
    return new DeletionVectors.Descriptor(
        descriptor.getUTF8String(0).toString(),
        descriptor.getUTF8String(1).toString(),
        descriptor.isNullAt(2) ? null : descriptor.getInt(2),
        descriptor.getInt(3),
        descriptor.getLong(4));
  }
}
