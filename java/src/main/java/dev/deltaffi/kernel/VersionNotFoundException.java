package dev.deltaffi.kernel;

/** The requested version does not exist. */
public class VersionNotFoundException extends DeltaKernelException {
  public VersionNotFoundException(String message) {
    super(message);
  }

  /** With the Java exception the kernel's failure came from (a failed Spark job, an I/O error). */
  public VersionNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
