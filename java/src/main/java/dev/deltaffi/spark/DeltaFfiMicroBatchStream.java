package dev.deltaffi.spark;

import dev.deltaffi.kernel.ChangeFeed;
import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.ScanFileInfo;
import dev.deltaffi.kernel.ScanPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.CompositeReadLimit;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadAllAvailable;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxFiles;
import org.apache.spark.sql.connector.read.streaming.SupportsAdmissionControl;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;

/**
 * A stream of a Delta table's rows, or of its change data feed, as delta-spark's streaming source
 * reads them: the table's snapshot when the stream starts (or, with a starting option, nothing of
 * it), then what each later commit adds. The kernel lists and validates the commits ({@link
 * KernelSnapshot#commitsFrom}); each micro-batch reads its files as a batch scan does ({@link
 * DeltaFfiBatch}) with the schema the stream started with.
 *
 * <p>A stream of rows reads the files commits add; a commit that removes data fails it as
 * delta-spark's does, unless an option says what to do (see {@link StreamOptions}). A change data
 * feed reads the snapshot's files as inserts at its version, a commit that only added files (no
 * {@code cdc} files) as inserts file by file, and any other commit whole, through the kernel's
 * change data feed ({@link ChangeFeedScan.Readers}), so an update's pre- and post-images stay in
 * one micro-batch. Either fails at a commit whose schema the stream cannot read.
 */
final class DeltaFfiMicroBatchStream
    implements MicroBatchStream, SupportsAdmissionControl, SupportsTriggerAvailableNow {

  /** delta-spark's byte limit per micro-batch: Spark has no such {@link ReadLimit} of its own. */
  record ReadMaxBytes(long maxBytes) implements ReadLimit {}

  /**
   * What the stream reads at its place: file {@code index} of {@code version}, or in a change data
   * feed all the changes of the commit {@code changes} (index 0, its commit's only entry).
   */
  private record IndexedFile(
      long version,
      long index,
      boolean initialSnapshot,
      ScanFileInfo file,
      KernelSnapshot.Commit changes) {}

  private final DeltaFfiTable table;
  private final StreamOptions options;
  private final KernelEngine engine;

  /** Whether the stream reads the change data feed ({@code readChangeFeed=true}). */
  private final boolean changeFeed;

  /** A scan of the table when the stream started: the schemas every micro-batch reads with. */
  private final DeltaFfiTable.Planned readPlan;

  /** The commits read so far, by version (dropped once the stream is past them). */
  private final TreeMap<Long, KernelSnapshot.Commit> commits = new TreeMap<>();

  /** The latest snapshot seen, refreshed when Spark asks what is new. */
  private KernelSnapshot latest;

  /** Where this run of the stream begins, once chosen (a restart chooses from its offsets). */
  private StreamOffset start;

  /** The files of the initial snapshot, sorted, and its version; null when not needed. */
  private List<ScanFileInfo> initialFiles;

  private long initialVersion = -1;

  /** The last version {@code Trigger.AvailableNow} reads; empty for other triggers. */
  private OptionalLong availableNowEnd = OptionalLong.empty();

  /** The reader factory of the micro-batch planned last, which Spark asks for next. */
  private PartitionReaderFactory readers;

  DeltaFfiMicroBatchStream(DeltaFfiTable table, StreamOptions options) {
    this.table = table;
    this.options = options;
    this.changeFeed = options.changeFeed();
    SparkSession spark = SparkSession.active();
    this.engine = KernelEngines.of(spark);
    this.readPlan = table.planScan(spark, null, null);
    requireSameSchema(readPlan.snapshot());
    if (changeFeed) {
      // The kernel checks that the table records its changes at the version the stream starts on.
      long version = readPlan.snapshot().version();
      ChangeFeed.resolve(
          engine.storage(),
          table.analysed().tableRoot(),
          ChangeFeed.Bound.version(version),
          ChangeFeed.Bound.version(version));
    }
  }

  @Override
  public Offset initialOffset() {
    return StreamOffset.BEGINNING;
  }

  @Override
  public Offset deserializeOffset(String json) {
    StreamOffset offset = StreamOffset.parse(json);
    if (offset.changeFeed != changeFeed) {
      throw new DeltaTableReadException(
          "DELTA_FFI_STREAM_SOURCE_CHANGED",
          "The checkpoint of this stream of "
              + table.describe()
              + " was written by a stream of "
              + (offset.changeFeed ? "its change data feed" : "its rows")
              + ", and this one reads "
              + (changeFeed ? "its change data feed" : "its rows")
              + ": start it from a new checkpoint",
          null);
    }
    return offset;
  }

  @Override
  public ReadLimit getDefaultReadLimit() {
    ReadLimit files =
        ReadLimit.maxFiles(
            (int) options.maxFilesPerTrigger().orElse(StreamOptions.DEFAULT_MAX_FILES_PER_TRIGGER));
    if (options.maxBytesPerTrigger().isEmpty()) {
      return files;
    }
    ReadLimit bytes = new ReadMaxBytes(options.maxBytesPerTrigger().getAsLong());
    return options.maxFilesPerTrigger().isPresent()
        ? ReadLimit.compositeLimit(new ReadLimit[] {files, bytes})
        : bytes;
  }

  @Override
  public void prepareForTriggerAvailableNow() {
    DeltaFfiErrors.asSparkErrors(
        () -> {
          availableNowEnd = OptionalLong.of(refreshLatest().version());
          return null;
        });
  }

  @Override
  public Offset latestOffset() {
    throw new UnsupportedOperationException("latestOffset(Offset, ReadLimit) is the one to call");
  }

  /** The offset after the files the limit admits past {@code startOffset}; it when none. */
  @Override
  public synchronized Offset latestOffset(Offset startOffset, ReadLimit limit) {
    return DeltaFfiErrors.asSparkErrors(
        () -> {
          long last = refreshLatest().version();
          if (availableNowEnd.isPresent()) {
            last = Math.min(last, availableNowEnd.getAsLong());
          }
          StreamOffset from = (StreamOffset) startOffset;
          if (from.isBeginning()) {
            from = start();
          }
          Admission admission = Admission.of(limit);
          List<IndexedFile> admitted = files(from, last, admission::admit);
          if (admitted.isEmpty()) {
            // From the beginning: an empty first batch records where the stream starts.
            return from;
          }
          IndexedFile end = admitted.get(admitted.size() - 1);
          return from.through(end.version(), end.index(), end.initialSnapshot());
        });
  }

  @Override
  public synchronized InputPartition[] planInputPartitions(Offset startOffset, Offset endOffset) {
    return DeltaFfiErrors.asSparkErrors(
        () -> {
          StreamOffset end = (StreamOffset) endOffset;
          StreamOffset from = (StreamOffset) startOffset;
          if (from.isBeginning()) {
            from = StreamOffset.start(end.startVersion, end.startsWithSnapshot, changeFeed);
          }
          List<IndexedFile> read =
              files(
                  from,
                  // An end before any file of its version (where a stream starts) reads none.
                  end.index < 0 && !end.initialSnapshot ? end.version - 1 : end.version,
                  f -> !end.before(f.version(), f.index(), f.initialSnapshot()));
          MicroBatchReads.Planned planned = MicroBatchReads.plan(parts(read));
          readers = planned.factory();
          return planned.partitions();
        });
  }

  @Override
  public synchronized PartitionReaderFactory createReaderFactory() {
    return readers;
  }

  /**
   * The readers of a micro-batch's files and commits: one batch scan of the files of a stream of
   * rows; in a change data feed, one scan of the files each version inserts and one kernel read of
   * each commit read whole.
   */
  private List<MicroBatchReads.Part> parts(List<IndexedFile> read) {
    if (!changeFeed) {
      return read.isEmpty()
          ? List.of()
          : List.of(fileScan(read.stream().map(IndexedFile::file).toList(), null));
    }
    Map<Long, List<ScanFileInfo>> insertedByVersion = new LinkedHashMap<>();
    List<Long> commits = new ArrayList<>();
    for (IndexedFile entry : read) {
      if (entry.changes() != null) {
        commits.add(entry.version());
      } else {
        insertedByVersion
            .computeIfAbsent(entry.version(), v -> new ArrayList<>())
            .add(entry.file());
      }
    }
    List<MicroBatchReads.Part> parts = new ArrayList<>();
    insertedByVersion.forEach(
        (version, files) ->
            parts.add(
                fileScan(
                    files,
                    new MicroBatchReads.Inserted(version, commit(version).timestamp() * 1000))));
    if (!commits.isEmpty()) {
      parts.add(
          new MicroBatchReads.Part(
              ChangeFeedScan.readers(
                  SparkSession.active(), table.analysed().tableRoot(), table.schema()),
              commits.stream()
                  .map(version -> new ChangeFeedScan.Slice(version, version))
                  .toArray(InputPartition[]::new),
              null));
    }
    return parts;
  }

  /** A batch scan of {@code files} with the stream's schemas. */
  private MicroBatchReads.Part fileScan(
      List<ScanFileInfo> files, MicroBatchReads.Inserted inserted) {
    ScanPlan plan = readPlan.plan();
    DeltaFfiBatch batch =
        new DeltaFfiBatch(
            new DeltaFfiTable.Planned(
                new ScanPlan(
                    plan.logicalSchema(),
                    plan.physicalSchema(),
                    plan.partitionSchema(),
                    files,
                    Optional.empty(),
                    plan.widensSmallIntegersToDecimal(),
                    List.of(),
                    Optional.empty()),
                readPlan.snapshot()),
            null,
            table.analysed().schema());
    return new MicroBatchReads.Part(
        batch.createReaderFactory(), batch.planInputPartitions(), inserted);
  }

  /** Forgets the commits and snapshot files the stream is past. */
  @Override
  public synchronized void commit(Offset end) {
    StreamOffset offset = (StreamOffset) end;
    commits.headMap(offset.version).clear();
    if (!offset.initialSnapshot) {
      initialFiles = null;
      initialVersion = -1;
    }
  }

  @Override
  public synchronized void stop() {
    if (latest != null) {
      latest.close();
      latest = null;
    }
  }

  @Override
  public String toString() {
    return "DeltaFfiMicroBatchStream[" + table.describe() + "]";
  }

  /** Where a new stream begins: the snapshot it started on, or the commits its option names. */
  private StreamOffset start() {
    if (start == null) {
      start =
          options.startsWithSnapshot()
              ? StreamOffset.start(readPlan.snapshot().version(), true, changeFeed)
              : StreamOffset.start(startingVersion(), false, changeFeed);
    }
    return start;
  }

  private long startingVersion() {
    long latestVersion = latest.version();
    if (options.startingLatest()) {
      return latestVersion + 1;
    }
    if (options.startingTimestampMillis().isPresent()) {
      return latest.firstVersionFrom(
          engine.storage(), options.startingTimestampMillis().getAsLong());
    }
    long version = options.startingVersion().getAsLong();
    if (version > latestVersion) {
      throw new DeltaTableReadException(
          "DELTA_FFI_VERSION_NOT_FOUND",
          "Cannot stream Delta table "
              + table.analysed().tableRoot()
              + " from version "
              + version
              + ": its latest version is "
              + latestVersion,
          null);
    }
    return version;
  }

  /**
   * The files after {@code from} up to version {@code last}, in the stream's order, while {@code
   * take} accepts them (the first it refuses ends the list). Each commit is checked as the stream
   * reaches it.
   */
  private List<IndexedFile> files(StreamOffset from, long last, Predicate<IndexedFile> take) {
    List<IndexedFile> files = new ArrayList<>();
    if (from.initialSnapshot) {
      List<ScanFileInfo> snapshot = initialFiles(from.version);
      for (int i = (int) from.index + 1; i < snapshot.size(); i++) {
        IndexedFile file = new IndexedFile(from.version, i, true, snapshot.get(i), null);
        if (!take.test(file)) {
          return files;
        }
        files.add(file);
      }
    }
    for (long version = from.initialSnapshot ? from.version + 1 : from.version;
        version <= last;
        version++) {
      List<IndexedFile> read =
          changeFeed ? changesToRead(commit(version)) : filesToRead(commit(version));
      long first = version == from.version ? from.index + 1 : 0;
      for (IndexedFile file : read.subList((int) Math.min(first, read.size()), read.size())) {
        if (!take.test(file)) {
          return files;
        }
        files.add(file);
      }
    }
    return files;
  }

  /**
   * The files of {@code commit} the stream reads, after delta-spark's checks: a commit that removes
   * data is skipped with {@code skipChangeCommits}; its added files are read with {@code
   * ignoreChanges}; one that only removes is passed over with {@code ignoreDeletes}; else the
   * stream fails. A commit whose schema the stream cannot read fails it.
   */
  private List<IndexedFile> filesToRead(KernelSnapshot.Commit commit) {
    requireReadableSchema(commit);
    if (!commit.removesData() || options.ignoreChanges()) {
      return indexed(commit);
    }
    if (options.skipChangeCommits()) {
      return List.of();
    }
    String where =
        "Delta table " + table.analysed().tableRoot() + " at version " + commit.version();
    if (commit.added().isEmpty()) {
      if (options.ignoreDeletes()) {
        return List.of();
      }
      throw new DeltaTableReadException(
          "DELTA_FFI_STREAM_SOURCE_CHANGED",
          "The stream of "
              + where
              + " met deleted data (a commit that removes files), which a stream does not read."
              + " Set the option 'ignoreDeletes' to 'true' to pass over commits that only delete,"
              + " or 'skipChangeCommits' to skip every commit that changes data.",
          null);
    }
    throw new DeltaTableReadException(
        "DELTA_FFI_STREAM_SOURCE_CHANGED",
        "The stream of "
            + where
            + " met a data update (a commit that removes files and adds others: an UPDATE, MERGE,"
            + " DELETE or overwrite), which a stream does not read. Set the option"
            + " 'skipChangeCommits' to 'true' to skip such commits, or restart the stream from a"
            + " new checkpoint to read the table as it is now.",
        null);
  }

  /**
   * What a change data feed reads of {@code commit}: the files it added, one by one, when it only
   * added files; else all its changes at once (nothing when it changed no data).
   */
  private List<IndexedFile> changesToRead(KernelSnapshot.Commit commit) {
    requireReadableSchema(commit);
    if (commit.changeDataFeedOff()) {
      throw new DeltaTableReadException(
          "DELTA_FFI_STREAM_SOURCE_CHANGED",
          "The change data feed stream of Delta table "
              + table.analysed().tableRoot()
              + " met version "
              + commit.version()
              + ", which turns the change data feed off: its changes are not recorded",
          null);
    }
    if (!commit.hasCdcFiles() && !commit.removesData()) {
      return indexed(commit);
    }
    return commit.changeFiles() == 0
        ? List.of()
        : List.of(new IndexedFile(commit.version(), 0, false, null, commit));
  }

  private static List<IndexedFile> indexed(KernelSnapshot.Commit commit) {
    List<IndexedFile> files = new ArrayList<>();
    for (ScanFileInfo file : commit.added()) {
      files.add(new IndexedFile(commit.version(), files.size(), false, file, null));
    }
    return files;
  }

  /**
   * Fails when the stream's schema cannot read rows {@code commit} wrote: for a commit before the
   * stream started, when a column it set is not the stream's (an older schema with fewer columns is
   * fine); for a later one, when the schema differs at all.
   */
  private void requireReadableSchema(KernelSnapshot.Commit commit) {
    if (commit.schema() == null) {
      return;
    }
    DeltaFfiTable.Schema stream = table.analysed();
    DeltaFfiTable.Schema set = DeltaFfiTable.KernelSchema.of(commit.schema());
    List<String> problems =
        new ArrayList<>(
            DeltaFfiTable.unreadableColumns(set, stream, "is not in the stream's schema"));
    if (commit.version() > table.analysed().version()) {
      problems.addAll(DeltaFfiTable.unreadableColumns(stream, set, "was dropped"));
    }
    if (!problems.isEmpty()) {
      throw new DeltaTableReadException(
          "DELTA_FFI_SCHEMA_CHANGED",
          "The schema of Delta table "
              + table.analysed().tableRoot()
              + " changed at version "
              + commit.version()
              + " in a way the stream, which reads the schema of version "
              + table.analysed().version()
              + ", cannot follow: "
              + String.join("; ", problems)
              + ". Restart the stream to read the new schema.",
          null);
    }
  }

  /**
   * Fails when the table's schema changed between the DataFrame's analysis and the stream's start:
   * the stream reads the DataFrame's columns, and the snapshot it starts on has others.
   */
  private void requireSameSchema(DeltaFfiTable.State started) {
    DeltaFfiTable.State analysed = table.analysed();
    List<String> problems =
        new ArrayList<>(DeltaFfiTable.unreadableColumns(analysed, started, "was dropped"));
    problems.addAll(
        DeltaFfiTable.unreadableColumns(started, analysed, "is not in the stream's schema"));
    if (!problems.isEmpty()) {
      throw new DeltaTableReadException(
          "DELTA_FFI_SCHEMA_CHANGED",
          "The schema of Delta table "
              + analysed.tableRoot()
              + " changed between version "
              + analysed.version()
              + ", whose columns the stream reads, and version "
              + started.version()
              + ", where it starts: "
              + String.join("; ", problems)
              + ". Create the stream again to read the new schema.",
          null);
    }
  }

  /** The commit at {@code version}, read with the commits after it when not read yet. */
  private KernelSnapshot.Commit commit(long version) {
    KernelSnapshot.Commit commit = commits.get(version);
    if (commit == null) {
      KernelSnapshot snapshot =
          latest != null && latest.version() >= version ? latest : refreshLatest();
      for (KernelSnapshot.Commit read : snapshot.commitsFrom(engine.storage(), version)) {
        commits.put(read.version(), read);
      }
      commit = commits.get(version);
      if (commit == null) {
        throw new IllegalStateException(
            "the kernel listed no commit " + version + " of " + table.describe());
      }
    }
    return commit;
  }

  /** The files of the snapshot at {@code version}, by modification time then path. */
  private List<ScanFileInfo> initialFiles(long version) {
    if (initialVersion != version) {
      List<ScanFileInfo> files;
      if (version == readPlan.snapshot().version()) {
        files = readPlan.plan().files();
      } else {
        try (KernelSnapshot snapshot =
            KernelSnapshot.load(engine, table.analysed().tableRoot(), OptionalLong.of(version))) {
          files = snapshot.planScan(engine, null, null).files();
        }
      }
      initialFiles =
          files.stream()
              .sorted(
                  Comparator.comparingLong(ScanFileInfo::modificationTime)
                      .thenComparing(ScanFileInfo::location))
              .toList();
      initialVersion = version;
    }
    return initialFiles;
  }

  private KernelSnapshot refreshLatest() {
    KernelSnapshot previous = latest;
    latest =
        previous == null
            ? KernelSnapshot.load(engine, table.analysed().tableRoot(), OptionalLong.empty())
            : previous.refresh(engine);
    if (previous != null) {
      previous.close();
    }
    return latest;
  }

  /** What a read limit still admits, admitting files as delta-spark does. */
  private static final class Admission {
    private long files = Long.MAX_VALUE;
    private long bytes = Long.MAX_VALUE;

    static Admission of(ReadLimit limit) {
      Admission admission = new Admission();
      admission.limit(limit);
      return admission;
    }

    private void limit(ReadLimit limit) {
      if (limit instanceof ReadMaxFiles maxFiles) {
        files = Math.min(files, maxFiles.maxFiles());
      } else if (limit instanceof ReadMaxBytes maxBytes) {
        bytes = Math.min(bytes, maxBytes.maxBytes());
      } else if (limit instanceof CompositeReadLimit composite) {
        for (ReadLimit each : composite.getReadLimits()) {
          limit(each);
        }
      } else if (!(limit instanceof ReadAllAvailable)) {
        throw new IllegalArgumentException("delta-ffi streams have no read limit " + limit);
      }
    }

    /**
     * Whether the file, or the commit read whole, is read in this micro-batch: while files and
     * bytes remain, so what crosses the limit is still read (a soft limit, as delta-spark's).
     */
    boolean admit(IndexedFile read) {
      boolean admitted = files > 0 && bytes > 0;
      if (read.file() != null) {
        files--;
        bytes -= read.file().size();
      } else {
        files -= read.changes().changeFiles();
        bytes -= read.changes().changeBytes();
      }
      return admitted;
    }
  }
}
