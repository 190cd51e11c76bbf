package dev.deltaffi.spark;

import dev.deltaffi.kernel.DeletionVectors;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.vectorized.ColumnVector;

/**
 * The deletion vectors of a scan's files (by URL-encoded path), decoded by the kernel on the
 * executor that reads the file, through that executor's Hadoop FileSystem, and applied to the rows
 * or batches read from it by each row's index in its file.
 *
 * @param rowIndex the position of Spark's row-index column in the Parquet reader's rows and batches
 */
record DeletedRows(
    ExecutorStorage storage, Map<String, DeletionVectors.Descriptor> descriptors, int rowIndex)
    implements Serializable {

  /** The sorted deleted row indexes of the file, or null when it has no deletion vector. */
  long[] of(PartitionedFile file) {
    DeletionVectors.Descriptor descriptor = descriptors.get(file.urlEncodedPath());
    return descriptor == null
        ? null
        : DeletionVectors.deletedRows(storage.open(), storage.tableRoot(), descriptor);
  }

  /** Whether the row at {@code index} survives the file's sorted deleted indexes (null: none). */
  static boolean keeps(long[] deleted, long index) {
    return deleted == null || Arrays.binarySearch(deleted, index) < 0;
  }

  /**
   * The positions of the rows of a batch that survive, given the batch's row-index vector; null
   * when all do. Row indexes grow within a file, so one walk over both sorted sequences suffices.
   */
  static int[] survivors(long[] deleted, ColumnVector rowIndexes, int numRows) {
    if (deleted == null || numRows == 0) {
      return null;
    }
    int next = Arrays.binarySearch(deleted, rowIndexes.getLong(0));
    next = next < 0 ? -next - 1 : next;
    if (next == deleted.length || deleted[next] > rowIndexes.getLong(numRows - 1)) {
      return null;
    }
    int[] kept = new int[numRows];
    int count = 0;
    for (int row = 0; row < numRows; row++) {
      long index = rowIndexes.getLong(row);
      while (next < deleted.length && deleted[next] < index) {
        next++;
      }
      if (next == deleted.length || deleted[next] != index) {
        kept[count++] = row;
      }
    }
    return Arrays.copyOf(kept, count);
  }
}
