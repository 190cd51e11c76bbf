package dev.deltaffi.kernel;

import java.util.function.Supplier;

/**
 * Watches the phase driver on the calling thread: one call per phase it steps, with where the time
 * went. For benchmarks and diagnostics; the driver pays two clock reads per phase without one.
 */
public interface PhaseObserver {

  /**
   * One phase: its kind ({@code Consume}, {@code PartialResult}, {@code Terminus}); {@code
   * bridgeNanos}, the time in the native calls that read and answer it minus the kernel's own work
   * in them, which is {@code kernelNanos}; {@code engineNanos}, the engine's work on it (running
   * its plan on Spark and writing the rows as Arrow).
   */
  record Phase(String kind, long bridgeNanos, long kernelNanos, long engineNanos) {}

  void phase(Phase phase);

  /** Runs {@code body} with {@code observer} watching every phase driven on this thread. */
  static <T> T observing(PhaseObserver observer, Supplier<T> body) {
    PhaseObserver previous = PhaseDriver.OBSERVER.get();
    PhaseDriver.OBSERVER.set(observer);
    try {
      return body.get();
    } finally {
      PhaseDriver.OBSERVER.set(previous);
    }
  }
}
