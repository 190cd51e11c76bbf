package dev.deltaffi.kernel;

/** The table needs a feature (protocol, reader feature) this reader cannot honour. */
public class UnsupportedTableFeatureException extends DeltaKernelException {
  public UnsupportedTableFeatureException(String message) {
    super(message);
  }
}
