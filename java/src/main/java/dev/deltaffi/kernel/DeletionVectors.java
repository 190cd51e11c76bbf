package dev.deltaffi.kernel;

import dev.deltaffi.io.HadoopIo;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Deletion vectors decoded by the kernel where the data is read (on executors): the kernel parses
 * the descriptor and the stored bitmap, and reads the vector file through this JVM's Hadoop
 * FileSystem.
 */
public final class DeletionVectors {
  private DeletionVectors() {}

  /** An {@code add.deletionVector} descriptor as the Delta log stores it. */
  public record Descriptor(
      String storageType, String pathOrInlineDv, Integer offset, int sizeInBytes, long cardinality)
      implements Serializable {}

  /** The sorted indexes of the rows {@code descriptor} deletes from its file. */
  public static long[] deletedRows(Configuration conf, String tableRoot, Descriptor descriptor) {
    return NativeKernel.deletedRows(
        tableRoot,
        new HadoopIo(conf),
        descriptor.storageType(),
        descriptor.pathOrInlineDv(),
        descriptor.offset() == null ? -1 : descriptor.offset(),
        descriptor.sizeInBytes(),
        descriptor.cardinality());
  }
}
