package dev.deltaffi.kernel;

/** The table does not exist, or has no Delta log. */
public class TableNotFoundException extends DeltaKernelException {
  public TableNotFoundException(String message) {
    super(message);
  }
}
