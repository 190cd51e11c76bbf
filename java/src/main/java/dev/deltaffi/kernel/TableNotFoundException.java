package dev.deltaffi.kernel;

/** The table does not exist, or has no Delta log. */
public class TableNotFoundException extends DeltaKernelException {
  public TableNotFoundException(String message) {
    super(message);
  }

  /** With the Java exception the kernel's failure came from (a failed Spark job, an I/O error). */
  public TableNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
