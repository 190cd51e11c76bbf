package dev.deltaffi.kernel;

/** The table's log is corrupt or incomplete (malformed commit, missing metadata or protocol). */
public class InvalidTableException extends DeltaKernelException {
  public InvalidTableException(String message) {
    super(message);
  }
}
