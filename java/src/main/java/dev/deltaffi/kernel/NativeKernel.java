package dev.deltaffi.kernel;

import dev.deltaffi.io.HadoopIo;
import dev.deltaffi.kernel.ir.KernelVisitor;

/** The natives, and nothing else; only this package calls them. Handles are registry ids. */
final class NativeKernel {
  static final int CONSUME = 0;
  static final int PARTIAL_RESULT = 1;
  static final int TERMINUS = 2;

  static final int TABLE_SCHEMA = 0;
  static final int SCAN_LOGICAL_SCHEMA = 1;
  static final int SCAN_PHYSICAL_SCHEMA = 2;
  static final int SCAN_PARTITION_SCHEMA = 3;

  static {
    NativeLibrary.ensureLoaded();
  }

  private NativeKernel() {}

  static final int LATEST = 0;
  static final int AT_VERSION = 1;
  static final int AS_OF_TIMESTAMP = 2;

  /**
   * Starts a snapshot machine; travelKind is LATEST, AT_VERSION or AS_OF_TIMESTAMP (millis). With
   * {@code inProcessIo} the kernel replays the log itself, reading through it (the machine has no
   * Consume phase); with null every read and replay plan is a Consume phase.
   */
  static native long startSnapshot(
      String tableRoot, int travelKind, long travelValue, HadoopIo inProcessIo);

  /**
   * Starts a machine that builds the latest snapshot of a snapshot handle's table from it, listing
   * only the commits after it; {@code inProcessIo} as for startSnapshot.
   */
  static native long startRefresh(long snapshot, HadoopIo inProcessIo);

  /**
   * Starts a scan machine on a snapshot handle; columns null means all; predicateJson (nullable) is
   * a kernel predicate in the kernel's serde JSON encoding. With {@code inProcessIo} the kernel
   * replays the log for the live files itself (see takeScanFiles); with null the metadata plan is a
   * PartialResult phase.
   */
  static native long startScan(
      long snapshot, String[] columns, String predicateJson, HadoopIo inProcessIo);

  /**
   * Moves an in-process scan's live files (the kernel's scan rows) into the Arrow C stream struct
   * at {@code streamAddress}; false, writing nothing, for a scan planned with phases.
   */
  static native boolean takeScanFiles(long scan, long streamAddress);

  /** A scan's live files before pruning; -1 when not counted (its files came from Spark). */
  static native long scanTotalFiles(long scan);

  /** The bytes of the log files a snapshot replays (checkpoint parts and commits). */
  static native long logSizeBytes(long snapshot);

  static native int phaseKind(long machine);

  /** Visits the pending Consume operation or PartialResult plan; returns the root id. */
  static native int visitPhase(long machine, KernelVisitor visitor);

  /** Answers the pending Consume phase with the Arrow C stream at the given address. */
  static native void step(long machine, long arrowStreamAddress);

  /** Answers the pending Consume phase with an error. */
  static native void stepFailed(long machine, boolean notFound, String message);

  /** Acknowledges a PartialResult phase. */
  static native void resume(long machine);

  /** Takes the Terminus result as a new handle. */
  static native long terminus(long machine);

  static native String[] phaseLog(long handle);

  static native long snapshotVersion(long snapshot);

  static native String tableRoot(long snapshot);

  static native String[] partitionColumns(long snapshot);

  /** The table's configuration as alternating keys and values. */
  static native String[] tableProperties(long snapshot);

  static native int visitSchema(long handle, int which, KernelVisitor visitor);

  /** Starts decoding a deletion vector; offset -1 means none. */
  static native long startDeletionVector(
      String tableRoot,
      String storageType,
      String pathOrInlineDv,
      int offset,
      int sizeInBytes,
      long cardinality);

  /** The sorted deleted row indexes of a decoded deletion vector handle. */
  static native long[] deletedRows(long handle);

  static native void release(long handle);

  static native long liveHandles();
}
