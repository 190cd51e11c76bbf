package dev.deltaffi.kernel;

/** The table's log is corrupt or incomplete (malformed commit, missing metadata or protocol). */
public class InvalidTableException extends DeltaKernelException {
  public InvalidTableException(String message) {
    super(message);
  }

  /** With the Java exception the kernel's failure came from (a failed Spark job, an I/O error). */
  public InvalidTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
