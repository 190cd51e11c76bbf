package dev.deltaffi.kernel;

/** The requested version does not exist. */
public class VersionNotFoundException extends DeltaKernelException {
  public VersionNotFoundException(String message) {
    super(message);
  }
}
