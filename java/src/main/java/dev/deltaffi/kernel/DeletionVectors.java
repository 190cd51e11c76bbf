package dev.deltaffi.kernel;

import java.io.Serializable;

/**
 * Deletion vectors decoded by the kernel where the data is read (on executors): the kernel parses
 * the descriptor and the stored bitmap, and reads the vector file through the storage it is given
 * (on executors, their Hadoop FileSystem).
 */
public final class DeletionVectors {
  private DeletionVectors() {}

  /** An {@code add.deletionVector} descriptor as the Delta log stores it. */
  public record Descriptor(
      String storageType, String pathOrInlineDv, Integer offset, int sizeInBytes, long cardinality)
      implements Serializable {}

  /**
   * The sorted indexes of the rows {@code descriptor} deletes from its file, an on-disk vector read
   * through {@code storage}.
   */
  public static long[] deletedRows(Storage storage, String tableRoot, Descriptor descriptor) {
    return NativeKernel.deletedRows(
        tableRoot,
        storage,
        descriptor.storageType(),
        descriptor.pathOrInlineDv(),
        descriptor.offset() == null ? -1 : descriptor.offset(),
        descriptor.sizeInBytes(),
        descriptor.cardinality());
  }
}
