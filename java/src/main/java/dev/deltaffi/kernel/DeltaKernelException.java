package dev.deltaffi.kernel;

/**
 * A failure reported by the Delta kernel; subclasses say what kind. Messages name the table and
 * version concerned.
 */
public class DeltaKernelException extends RuntimeException {
  public DeltaKernelException(String message) {
    super(message);
  }

  public DeltaKernelException(String message, Throwable cause) {
    super(message, cause);
  }
}
