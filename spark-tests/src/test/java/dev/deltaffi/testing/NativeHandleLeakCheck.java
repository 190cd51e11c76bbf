package dev.deltaffi.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.deltaffi.kernel.NativeHandles;
import dev.deltaffi.kernel.SnapshotCache;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After a test class, no native kernel handle may be left alive: every snapshot, scan and phase
 * machine must have been closed, whether the reads succeeded or failed, but the snapshots the
 * sessions' caches keep on purpose ({@link SnapshotCache}). Garbage collection is not forced on
 * purpose: a handle only the Cleaner would free is a leak.
 */
public final class NativeHandleLeakCheck implements AfterAllCallback {

  @Override
  public void afterAll(ExtensionContext context) {
    if (!TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi")) {
      return; // Checking the harness against delta-spark: the native library may not be built.
    }
    assertEquals(
        SnapshotCache.keptInJvm(),
        NativeHandles.liveCount(),
        "native handles left alive after " + context.getDisplayName());
  }

  /**
   * The live threads the native library owns (kernel and I/O threads, named {@code delta-ffi-*}).
   */
  public static int kernelThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("delta-ffi"))
            .count();
  }
}
