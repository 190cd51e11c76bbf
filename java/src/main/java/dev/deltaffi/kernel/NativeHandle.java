package dev.deltaffi.kernel;

import java.lang.ref.Cleaner;

/**
 * Owns one native handle: released exactly once, by close() or, as a safety net, when the owner
 * becomes unreachable.
 */
final class NativeHandle implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final long id;
  private final Cleaner.Cleanable cleanable;

  NativeHandle(long id) {
    this.id = id;
    this.cleanable = CLEANER.register(this, () -> NativeKernel.release(id));
  }

  long id() {
    return id;
  }

  @Override
  public void close() {
    cleanable.clean();
  }
}
