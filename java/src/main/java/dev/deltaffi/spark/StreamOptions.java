package dev.deltaffi.spark;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.ToLongFunction;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The options of a stream ({@code readStream}), as delta-spark reads them.
 *
 * <p>Where it starts: with neither {@code startingVersion} nor {@code startingTimestamp}, at the
 * table's snapshot when the stream starts (its files first, then the commits after it); else at the
 * commits from that version ({@code latest}: the commits after the latest one), or from the first
 * commit at or after that time.
 *
 * <p>How much a micro-batch reads: at most {@code maxFilesPerTrigger} files (1000 when neither
 * limit is given) and about {@code maxBytesPerTrigger} bytes (a soft limit: the file that crosses
 * it is still read). A commit that removes data fails the stream unless {@code skipChangeCommits}
 * (the commit is skipped), {@code ignoreChanges} (its added files are read again, duplicating
 * rows), or {@code ignoreDeletes} / {@code ignoreFileDeletion} (for a commit that only removes).
 *
 * <p>With {@code readChangeFeed=true} the stream reads the change data feed: the snapshot's rows as
 * inserts, then every commit's changes.
 *
 * @param startingVersion the first commit to read; empty: see {@code startingLatest} and {@code
 *     startingTimestampMillis}
 * @param startingLatest {@code startingVersion=latest}
 */
record StreamOptions(
    OptionalLong startingVersion,
    boolean startingLatest,
    OptionalLong startingTimestampMillis,
    OptionalLong maxFilesPerTrigger,
    OptionalLong maxBytesPerTrigger,
    boolean ignoreDeletes,
    boolean ignoreChanges,
    boolean skipChangeCommits,
    boolean changeFeed) {

  /** delta-spark's files per micro-batch when no limit is given. */
  static final int DEFAULT_MAX_FILES_PER_TRIGGER = 1000;

  /** Whether the stream begins with the table's snapshot (no starting option). */
  boolean startsWithSnapshot() {
    return startingVersion.isEmpty() && !startingLatest && startingTimestampMillis.isEmpty();
  }

  static StreamOptions parse(String path, CaseInsensitiveStringMap opts) {
    String version = opts.get(DeltaOptions.STARTING_VERSION.key);
    String timestamp = opts.get(DeltaOptions.STARTING_TIMESTAMP.key);
    if (version != null && timestamp != null) {
      throw new ReadOptions.InvalidOptionException(
          "Cannot stream Delta table "
              + path
              + " with both startingVersion and startingTimestamp: give only one");
    }
    boolean latest = version != null && version.trim().equalsIgnoreCase("latest");
    return new StreamOptions(
        latest
            ? OptionalLong.empty()
            : ReadOptions.parseVersion(path, DeltaOptions.STARTING_VERSION.key, version),
        latest,
        timestamp == null
            ? OptionalLong.empty()
            : OptionalLong.of(
                ReadOptions.parseTimestamp(path, DeltaOptions.STARTING_TIMESTAMP.key, timestamp)),
        positive(
            path,
            opts.get(DeltaOptions.MAX_FILES_PER_TRIGGER.key),
            DeltaOptions.MAX_FILES_PER_TRIGGER,
            Integer::parseInt,
            "a positive integer"),
        positive(
            path,
            opts.get(DeltaOptions.MAX_BYTES_PER_TRIGGER.key),
            DeltaOptions.MAX_BYTES_PER_TRIGGER,
            JavaUtils::byteStringAsBytes,
            "a size such as 1g or 512m"),
        flag(path, opts, DeltaOptions.IGNORE_DELETES)
            || flag(path, opts, DeltaOptions.IGNORE_FILE_DELETION),
        flag(path, opts, DeltaOptions.IGNORE_CHANGES),
        flag(path, opts, DeltaOptions.SKIP_CHANGE_COMMITS),
        DeltaOptions.readsChangeFeed(opts));
  }

  /** A positive value of {@code option} as {@code parse} reads it, or empty when not given. */
  private static OptionalLong positive(
      String path,
      String value,
      DeltaOptions option,
      ToLongFunction<String> parse,
      String expected) {
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      long parsed = parse.applyAsLong(value.trim());
      if (parsed > 0) {
        return OptionalLong.of(parsed);
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below.
    }
    throw invalid(path, option, value, expected);
  }

  private static boolean flag(String path, CaseInsensitiveStringMap opts, DeltaOptions option) {
    String value = opts.get(option.key);
    if (value == null) {
      return false;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(path, option, value, "true or false");
    };
  }

  private static ReadOptions.InvalidOptionException invalid(
      String path, DeltaOptions option, String value, String expected) {
    return new ReadOptions.InvalidOptionException(
        "Invalid "
            + option.key
            + " '"
            + value
            + "' for a stream of Delta table "
            + path
            + ": expected "
            + expected);
  }
}
