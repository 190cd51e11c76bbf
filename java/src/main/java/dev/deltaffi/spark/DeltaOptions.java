package dev.deltaffi.spark;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every option delta-spark's data source knows, and what delta-ffi does with it: the one table of
 * options (the README's is checked against it). An option delta-ffi does not honour fails the read
 * naming it, because delta-spark would answer differently or because it asks for a write; so does
 * an option given to a read it has no effect on (a stream option to a batch read). Options
 * delta-spark does not know are ignored by both.
 */
enum DeltaOptions {
  PATH("path", Support.READ, "the table location (what `load(path)` sets)"),
  VERSION_AS_OF("versionAsOf", Support.READ, "time travel to a version"),
  TIMESTAMP_AS_OF(
      "timestampAsOf", Support.READ, "time travel to the version current at a timestamp"),
  READ_CHANGE_FEED(
      "readChangeFeed", Support.CHANGE_FEED, "read the change data feed (`false` reads the table)"),
  READ_CHANGE_DATA("readChangeData", Support.CHANGE_FEED, "old name of `readChangeFeed`"),
  STARTING_VERSION("startingVersion", Support.RANGE, "first version of a change feed or a stream"),
  STARTING_TIMESTAMP(
      "startingTimestamp", Support.RANGE, "first commit time of a change feed or a stream"),
  ENDING_VERSION("endingVersion", Support.CHANGE_FEED_END, "last version of a change feed"),
  ENDING_TIMESTAMP("endingTimestamp", Support.CHANGE_FEED_END, "last commit time of a change feed"),
  MAX_FILES_PER_TRIGGER("maxFilesPerTrigger", Support.STREAMING, "files per micro-batch"),
  MAX_BYTES_PER_TRIGGER("maxBytesPerTrigger", Support.STREAMING, "bytes per micro-batch"),
  IGNORE_FILE_DELETION("ignoreFileDeletion", Support.STREAMING_ROWS, "old name of `ignoreDeletes`"),
  IGNORE_CHANGES("ignoreChanges", Support.STREAMING_ROWS, "re-emit files rewritten by updates"),
  IGNORE_DELETES("ignoreDeletes", Support.STREAMING_ROWS, "ignore commits that only delete"),
  SKIP_CHANGE_COMMITS("skipChangeCommits", Support.STREAMING_ROWS, "skip commits that change data"),
  FAIL_ON_DATA_LOSS(
      "failOnDataLoss", Support.STREAMING_UNSUPPORTED, "fail when log files were cleaned up"),
  EXCLUDE_REGEX("excludeRegex", Support.STREAMING_UNSUPPORTED, "skip files whose path matches"),
  SCHEMA_TRACKING_LOCATION(
      "schemaTrackingLocation",
      Support.STREAMING_UNSUPPORTED,
      "where a stream tracks schema changes"),
  SCHEMA_LOCATION(
      "schemaLocation", Support.STREAMING_UNSUPPORTED, "old name of `schemaTrackingLocation`"),
  STREAMING_SOURCE_TRACKING_ID(
      "streamingSourceTrackingId", Support.STREAMING_UNSUPPORTED, "names a stream's schema log"),
  ALLOW_SOURCE_COLUMN_RENAME(
      "allowSourceColumnRename",
      Support.STREAMING_UNSUPPORTED,
      "let a stream continue past a column rename"),
  ALLOW_SOURCE_COLUMN_DROP(
      "allowSourceColumnDrop",
      Support.STREAMING_UNSUPPORTED,
      "let a stream continue past a column drop"),
  ALLOW_SOURCE_COLUMN_RENAME_AND_DROP(
      "allowSourceColumnRenameAndDrop", Support.STREAMING_UNSUPPORTED, "both of the above"),
  ALLOW_SOURCE_COLUMN_TYPE_CHANGE(
      "allowSourceColumnTypeChange",
      Support.STREAMING_UNSUPPORTED,
      "let a stream continue past type widening"),
  REPLACE_WHERE("replaceWhere", Support.WRITE, "overwrite the rows a predicate matches"),
  MERGE_SCHEMA("mergeSchema", Support.WRITE, "add new columns on write"),
  OVERWRITE_SCHEMA("overwriteSchema", Support.WRITE, "replace the schema on overwrite"),
  PARTITION_OVERWRITE_MODE(
      "partitionOverwriteMode", Support.WRITE, "static or dynamic partition overwrite"),
  USER_METADATA("userMetadata", Support.WRITE, "user metadata of the commit"),
  OPTIMIZE_WRITE("optimizeWrite", Support.WRITE, "shuffle before writing"),
  DATA_CHANGE("dataChange", Support.WRITE, "mark a rewrite as changing no data"),
  COMPRESSION("compression", Support.WRITE, "Parquet compression of written files"),
  MAX_RECORDS_PER_FILE("maxRecordsPerFile", Support.WRITE, "rows per written file"),
  TXN_APP_ID("txnAppId", Support.WRITE, "idempotent write: application id"),
  TXN_VERSION("txnVersion", Support.WRITE, "idempotent write: version");

  /** What delta-ffi does with an option. */
  enum Support {
    READ("honoured"),
    RANGE(
        "honoured by a change data feed (`readChangeFeed=true`) and by a stream, refused otherwise"),
    CHANGE_FEED("honoured, in a batch read and in a stream"),
    CHANGE_FEED_END(
        "honoured with `readChangeFeed=true` in a batch read; refused in a stream, which has no end,"
            + " and without `readChangeFeed=true`"),
    STREAMING(
        "honoured by a stream (`readStream`); refused by a batch read, which it does not affect"),
    STREAMING_ROWS(
        "honoured by a stream of a table's rows; refused by a batch read and by a stream of the"
            + " change data feed, which it does not affect"),
    STREAMING_UNSUPPORTED("refused: not supported by delta-ffi's streams yet"),
    WRITE("refused: delta-ffi is read-only");

    final String meaning;

    Support(String meaning) {
      this.meaning = meaning;
    }
  }

  final String key;
  final Support support;
  final String purpose;

  DeltaOptions(String key, Support support, String purpose) {
    this.key = key;
    this.support = support;
    this.purpose = purpose;
  }

  /** The Delta option named {@code key} (case-insensitively, as Spark's options are). */
  static Optional<DeltaOptions> of(String key) {
    return Arrays.stream(values()).filter(o -> o.key.equalsIgnoreCase(key)).findFirst();
  }

  /** A Delta option delta-ffi does not honour: refused, never ignored. */
  static final class UnsupportedOptionException extends UnsupportedOperationException {
    UnsupportedOptionException(String message) {
      super(message);
    }
  }

  /** Whether {@code options} ask for the change data feed ({@code readChangeFeed=true}). */
  static boolean readsChangeFeed(Map<String, String> options) {
    return options.entrySet().stream()
        .anyMatch(
            option ->
                of(option.getKey())
                        .filter(o -> o == READ_CHANGE_FEED || o == READ_CHANGE_DATA)
                        .isPresent()
                    && "true".equals(option.getValue().trim().toLowerCase(Locale.ROOT)));
  }

  /**
   * Fails, naming the option, when {@code options} hold a Delta option that delta-ffi does not
   * honour in this read, a stream when {@code streaming}. {@code readChangeFeed=false} asks for a
   * plain read, which is what delta-ffi does; the change feed's range options count only with
   * {@code readChangeFeed=true} or in a stream.
   */
  static void refuseUnsupported(Map<String, String> options, String table, boolean streaming) {
    boolean changeFeed = readsChangeFeed(options);
    for (Map.Entry<String, String> option : options.entrySet()) {
      Optional<DeltaOptions> known = of(option.getKey());
      if (known.isEmpty() || known.get().support == Support.READ) {
        continue;
      }
      DeltaOptions delta = known.get();
      boolean plainRead =
          (delta == READ_CHANGE_FEED || delta == READ_CHANGE_DATA)
              && "false".equals(option.getValue().trim().toLowerCase(Locale.ROOT));
      boolean honoured =
          switch (delta.support) {
            case RANGE -> changeFeed || streaming;
            case CHANGE_FEED -> changeFeed;
            case CHANGE_FEED_END -> changeFeed && !streaming;
            case STREAMING -> streaming;
            case STREAMING_ROWS -> streaming && !changeFeed;
            default -> false;
          };
      if (plainRead || honoured) {
        continue;
      }
      throw new UnsupportedOptionException(
          "Cannot read Delta table "
              + table
              + " with option '"
              + delta.key
              + "' ("
              + delta.purpose
              + "): "
              + delta.support.meaning
              + " in delta-ffi. Remove the option, or read with format(\"delta\").");
    }
  }
}
