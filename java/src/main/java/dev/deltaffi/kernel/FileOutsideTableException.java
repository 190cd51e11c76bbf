package dev.deltaffi.kernel;

/**
 * A data file or deletion vector the log names lies outside the table root, and reads are confined
 * to it. The protocol allows absolute paths (shallow clones), so this is a reader's choice.
 */
public class FileOutsideTableException extends DeltaKernelException {
  public FileOutsideTableException(String file, String tableRoot) {
    super(
        "The log of table "
            + tableRoot
            + " names "
            + file
            + ", which lies outside the table root; reads are confined to it"
            + " (spark.deltaffi.confineToTableRoot=true)");
  }
}
