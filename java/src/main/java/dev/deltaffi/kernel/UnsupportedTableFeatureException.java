package dev.deltaffi.kernel;

/** The table needs a feature (protocol, reader feature) this reader cannot honour. */
public class UnsupportedTableFeatureException extends DeltaKernelException {
  public UnsupportedTableFeatureException(String message) {
    super(message);
  }

  /** With the Java exception the kernel's failure came from (a failed Spark job, an I/O error). */
  public UnsupportedTableFeatureException(String message, Throwable cause) {
    super(message, cause);
  }
}
