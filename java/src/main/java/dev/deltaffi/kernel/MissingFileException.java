package dev.deltaffi.kernel;

/**
 * A file the table's log names (a deletion vector, a checkpoint sidecar, a commit listed a moment
 * before) does not exist: the table is there, one of its files is not.
 */
public class MissingFileException extends DeltaKernelException {
  public MissingFileException(String message) {
    super(message);
  }

  /** With the Java exception the failure came from (Hadoop's {@code FileNotFoundException}). */
  public MissingFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
