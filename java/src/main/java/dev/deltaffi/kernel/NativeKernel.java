package dev.deltaffi.kernel;

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
    NativeLog.refreshLevels();
  }

  private NativeKernel() {}

  static final int LATEST = 0;
  static final int AT_VERSION = 1;
  static final int AS_OF_TIMESTAMP = 2;

  /**
   * Starts a snapshot machine; travelKind is LATEST, AT_VERSION or AS_OF_TIMESTAMP (millis). The
   * kernel's I/O goes through {@code io}; with {@code inProcess} it replays the log itself (the
   * machine has no phase but the Terminus), else each replay plan is a Consume phase.
   */
  static native long startSnapshot(
      String tableRoot, int travelKind, long travelValue, Storage io, boolean inProcess);

  /**
   * Starts a machine that builds the latest snapshot of a snapshot handle's table from it, listing
   * only the commits after it; {@code io} and {@code inProcess} as for startSnapshot.
   */
  static native long startRefresh(long snapshot, Storage io, boolean inProcess);

  /**
   * Starts a scan machine on a snapshot handle; columns null means all; predicateJson (nullable) is
   * a kernel predicate in the kernel's serde JSON encoding. I/O goes through {@code io}; with
   * {@code inProcess} the kernel replays the log for the live files itself (see takeScanFiles),
   * else the metadata plan is a PartialResult phase.
   */
  static native long startScan(
      long snapshot, String[] columns, String predicateJson, Storage io, boolean inProcess);

  /**
   * Moves an in-process scan's live files (the kernel's scan rows) into the Arrow C stream struct
   * at {@code streamAddress}; false, writing nothing, for a scan planned with phases.
   */
  static native boolean takeScanFiles(long scan, long streamAddress);

  /**
   * The kernel's counts of an in-process scan's replay: {seen, kept, pruned} (see {@link
   * ScanPlan.FileCounts}); null when its files came from a Spark job.
   */
  static native long[] scanFileCounts(long scan);

  /**
   * Sets the levels (ranks: 0 off, 1 error .. 5 trace) of the loggers {@code dev.deltaffi.kernel}
   * and {@code dev.deltaffi.native} on the Rust side; the first call makes {@link NativeLog} the
   * sink of the library's events.
   */
  static native void setLogLevels(int kernel, int nativeLevel);

  /** A snapshot's log segment: {checkpoint version or -1, commit files replayed after it}. */
  static native long[] logShape(long snapshot);

  /**
   * Writes the table's history up to a snapshot (newest first; all commits, or the latest {@code
   * limit} when positive) as an Arrow C stream of delta-spark's DESCRIBE HISTORY columns into the
   * struct at {@code streamAddress}; the commits are read through {@code io}.
   */
  /**
   * A snapshot's table properties as delta-spark's table states them (configuration, protocol
   * versions, {@code delta.feature.<name>}), as alternating keys and values sorted by key.
   */
  static native String[] tableProperties(long snapshot);

  static native void tableHistory(long snapshot, Storage io, long limit, long streamAddress);

  /**
   * A snapshot's metadata and protocol as DESCRIBE DETAIL shows them, as JSON: {id, name,
   * description, createdAt, lastModified, partitionColumns, clusteringColumns, properties,
   * minReaderVersion, minWriterVersion, tableFeatures}; the latest commit's time is read through
   * {@code io}.
   */
  static native String tableDetail(long snapshot, Storage io);

  /** A new handle on the snapshot a handle owns; both stay open. */
  static native long shareSnapshot(long snapshot);

  /**
   * Whether the log files a snapshot was built from are all still listed, unchanged, through {@code
   * io}.
   */
  static native boolean logUnchanged(long snapshot, Storage io);

  /** The bytes of the log files a snapshot replays (checkpoint parts and commits). */
  static native long logSizeBytes(long snapshot);

  static native int phaseKind(long machine);

  /**
   * The nanoseconds the machine's kernel thread has worked so far (from its start or an answer to
   * the next phase it emitted), to tell the bridge's cost from the kernel's.
   */
  static native long kernelNanos(long machine);

  /** Visits the query plan of the pending Consume or PartialResult phase; returns the root id. */
  static native int visitPhase(long machine, KernelVisitor visitor);

  /** Answers the pending Consume phase with the Arrow C stream at the given address. */
  static native void step(long machine, long arrowStreamAddress);

  /**
   * Answers the pending Consume phase with an error; {@code cause} comes back as the cause of the
   * exception the kernel's failure then becomes.
   */
  static native void stepFailed(long machine, String message, Throwable cause);

  /** Acknowledges a PartialResult phase. */
  static native void resume(long machine);

  /** Takes the Terminus result as a new handle. */
  static native long terminus(long machine);

  static native String[] phaseLog(long handle);

  static native long snapshotVersion(long snapshot);

  static native String tableRoot(long snapshot);

  static native String[] partitionColumns(long snapshot);

  /** How data files name columns, as the kernel's table configuration says: none, name or id. */
  static native String columnMappingMode(long snapshot);

  /**
   * With row tracking enabled, the columns data files may materialize row ids and row commit
   * versions in; else empty.
   */
  static native String[] rowTrackingColumns(long snapshot);

  /** Whether type widening made a column of a scan a decimal from a byte or short. */
  static native boolean widensSmallIntegersToDecimal(long scan);

  static native int visitSchema(long handle, int which, KernelVisitor visitor);

  /**
   * The sorted indexes of the rows a deletion vector deletes, decoded by the kernel on the calling
   * thread, reading an on-disk vector through {@code io}; offset -1 means none.
   */
  static native long[] deletedRows(
      String tableRoot,
      Storage io,
      String storageType,
      String pathOrInlineDv,
      int offset,
      int sizeInBytes,
      long cardinality);

  /**
   * Resolves the change feed between two bounds (each a travel kind, {@link #LATEST} for an end
   * only, and its value) of the table at {@code tableRoot}, reading the log through {@code io} on
   * the calling thread: {start version, end version, id of the feed's schema walked into {@code
   * visitor}}.
   */
  static native long[] changeFeed(
      String tableRoot,
      Storage io,
      int startKind,
      long startValue,
      int endKind,
      long endValue,
      KernelVisitor visitor);

  /**
   * Reads the changes of versions {@code start} to {@code end}, only {@code columns}, through
   * {@code io} on the calling thread, as an Arrow C stream written into the struct at {@code
   * streamAddress}.
   */
  static native void readChanges(
      String tableRoot, Storage io, long start, long end, String[] columns, long streamAddress);

  /**
   * The commits from version {@code from} to the snapshot's version, read through {@code io} on the
   * calling thread: nine values per commit, in order (version, timestamp in milliseconds, number of
   * {@code dataChange} files added, 1 when it removed data else 0, id of the schema it set walked
   * into {@code visitor} or -1, 1 when it has {@code cdc} files else 0, number and bytes of the
   * files its change data feed reads, 1 when its metadata leaves the change data feed off else 0);
   * the added files, commit after commit, in the live-files contract written as an Arrow C stream
   * into the struct at {@code streamAddress}.
   */
  static native long[] streamCommits(
      long snapshot, Storage io, long from, KernelVisitor visitor, long streamAddress);

  /**
   * The first commit at or after {@code millis} of the table whose latest snapshot is {@code
   * snapshot}, by delta-spark's commit times; a time after the latest commit fails.
   */
  static native long firstVersionFrom(long snapshot, Storage io, long millis);

  static native void release(long handle);

  static native long liveHandles();

  /** The constants the native side shares with this class, as {@code NAME=value}. */
  static native String[] sharedConstants();
}
