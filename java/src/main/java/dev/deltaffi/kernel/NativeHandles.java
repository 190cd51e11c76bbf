package dev.deltaffi.kernel;

/** Observability of native resources, for tests and diagnostics. */
public final class NativeHandles {
  private NativeHandles() {}

  /** Native handles currently alive (machines, snapshots, scans). */
  public static long liveCount() {
    return NativeKernel.liveHandles();
  }
}
