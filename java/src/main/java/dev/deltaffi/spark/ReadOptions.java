package dev.deltaffi.spark;

import dev.deltaffi.kernel.ChangeFeed;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TimeZone;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;

/**
 * The options of a {@code delta-ffi} read: the table location as a URI and which snapshot to read,
 * by version or by timestamp (both empty: the latest). Delta options delta-ffi does not honour are
 * refused (see {@link DeltaOptions}).
 *
 * <p>Time travel follows delta-spark: {@code versionAsOf}, or {@code timestampAsOf} (a Spark
 * timestamp or date string, in the session time zone), or a location ending in {@code @v<version>}
 * or {@code @yyyyMMddHHmmssSSS} (session time zone) when no folder of that name exists.
 *
 * <p>With {@code readChangeFeed=true} the read is of the table's change data feed over the range
 * {@code startingVersion} to {@code endingVersion} (absent: the latest version), which excludes
 * time travel.
 *
 * @param timestampMillis the time to travel to, in milliseconds since the epoch
 * @param timestampText the timestamp as the user gave it, for messages
 * @param changes the change feed's range, for a change data feed read
 * @param stream the stream's options, for a stream ({@code readStream})
 */
record ReadOptions(
    String tableUri,
    OptionalLong version,
    OptionalLong timestampMillis,
    String timestampText,
    Optional<ChangeRange> changes,
    Optional<StreamOptions> stream) {

  /** The bounds of a change data feed read, as given. */
  record ChangeRange(ChangeFeed.Bound start, ChangeFeed.Bound end) {}

  private static final String PATH = DeltaOptions.PATH.key;
  private static final String VERSION_AS_OF = DeltaOptions.VERSION_AS_OF.key;
  private static final String TIMESTAMP_AS_OF = DeltaOptions.TIMESTAMP_AS_OF.key;

  /** delta-spark's path syntax: {@code ...@v123}. */
  private static final Pattern VERSION_IN_PATH = Pattern.compile("(.*)@[vV](\\d+)$");

  /** An option whose value cannot be read, or options that contradict each other. */
  static final class InvalidOptionException extends IllegalArgumentException {
    InvalidOptionException(String message) {
      super(message);
    }

    InvalidOptionException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** delta-spark's path syntax: {@code ...@yyyyMMddHHmmssSSS}. */
  private static final Pattern TIMESTAMP_IN_PATH = Pattern.compile("(.*)@(\\d{17})$");

  /** Parses the options of a batch read, or of a stream when {@code streaming}. */
  static ReadOptions parse(Map<String, String> options, boolean streaming) {
    return parse(options, streaming, ReadOptions::exists);
  }

  /** Parses the options; {@code exists} tells whether a location (with an {@code @}) exists. */
  static ReadOptions parse(
      Map<String, String> options, boolean streaming, Predicate<String> exists) {
    CaseInsensitiveStringMap opts = new CaseInsensitiveStringMap(options);
    String path = opts.get(PATH);
    if (path == null || path.isBlank()) {
      throw new InvalidOptionException(
          "delta-ffi needs the table location: use load(path) or option(\"path\", ...)");
    }
    DeltaOptions.refuseUnsupported(opts, path, streaming);
    String versionText = opts.get(VERSION_AS_OF);
    String timestampText = opts.get(TIMESTAMP_AS_OF);
    String location = path;
    Matcher version = VERSION_IN_PATH.matcher(path);
    Matcher timestamp = TIMESTAMP_IN_PATH.matcher(path);
    boolean versionInPath = version.matches() && !exists.test(path);
    boolean timestampInPath = !versionInPath && timestamp.matches() && !exists.test(path);
    if (versionInPath || timestampInPath) {
      if (versionText != null || timestampText != null) {
        throw new InvalidOptionException(
            "Cannot time travel to Delta table "
                + path
                + " both by its path and by the option "
                + (versionText != null ? VERSION_AS_OF : TIMESTAMP_AS_OF));
      }
      if (versionInPath) {
        location = version.group(1);
        versionText = version.group(2);
      } else {
        location = timestamp.group(1);
        timestampText = timestamp.group(2);
      }
    }
    if (versionText != null && timestampText != null) {
      throw new InvalidOptionException(
          "Cannot time travel to Delta table "
              + path
              + " by both versionAsOf and timestampAsOf: give only one");
    }
    OptionalLong millis =
        timestampText == null
            ? OptionalLong.empty()
            : OptionalLong.of(
                timestampInPath
                    ? parsePathTimestamp(path, timestampText)
                    : parseTimestamp(path, TIMESTAMP_AS_OF, timestampText));
    if (streaming && (versionText != null || timestampText != null)) {
      throw new InvalidOptionException(
          "Cannot stream Delta table "
              + path
              + " with "
              + (versionText != null ? VERSION_AS_OF : TIMESTAMP_AS_OF)
              + " (or a version in its path): a stream starts where startingVersion or"
              + " startingTimestamp says");
    }
    Optional<ChangeRange> changes = Optional.empty();
    Optional<StreamOptions> stream =
        streaming ? Optional.of(StreamOptions.parse(path, opts)) : Optional.empty();
    if (!streaming && DeltaOptions.readsChangeFeed(opts)) {
      if (versionText != null || timestampText != null) {
        throw new InvalidOptionException(
            "Cannot time travel in a change data feed read of Delta table "
                + path
                + ": give its range with startingVersion and endingVersion");
      }
      changes = Optional.of(changeRange(path, opts));
    }
    return new ReadOptions(
        toUri(location),
        parseVersion(path, VERSION_AS_OF, versionText),
        millis,
        timestampText,
        changes,
        stream);
  }

  /**
   * The range's bounds: each by version or by timestamp, never both (as delta-spark requires); a
   * start is required, the end defaults to the latest version.
   */
  private static ChangeRange changeRange(String path, CaseInsensitiveStringMap opts) {
    Optional<ChangeFeed.Bound> start =
        bound(path, opts, DeltaOptions.STARTING_VERSION, DeltaOptions.STARTING_TIMESTAMP);
    if (start.isEmpty()) {
      throw new InvalidOptionException(
          "No startingVersion or startingTimestamp provided for the change data feed read of"
              + " Delta table "
              + path);
    }
    ChangeFeed.Bound end =
        bound(path, opts, DeltaOptions.ENDING_VERSION, DeltaOptions.ENDING_TIMESTAMP)
            .orElse(ChangeFeed.Bound.latest());
    if (start.get().kind() == end.kind() && end.value() < start.get().value()) {
      throw new InvalidOptionException(
          "Invalid change data feed range of Delta table "
              + path
              + ": its end ("
              + describe(end)
              + ") is before its start ("
              + describe(start.get())
              + ")");
    }
    return new ChangeRange(start.get(), end);
  }

  private static Optional<ChangeFeed.Bound> bound(
      String path, CaseInsensitiveStringMap opts, DeltaOptions byVersion, DeltaOptions byTime) {
    String version = opts.get(byVersion.key);
    String time = opts.get(byTime.key);
    if (version != null && time != null) {
      throw new InvalidOptionException(
          "Cannot read the change data feed of Delta table "
              + path
              + " with both "
              + byVersion.key
              + " and "
              + byTime.key
              + ": give only one");
    }
    if (version != null) {
      return Optional.of(
          ChangeFeed.Bound.version(parseVersion(path, byVersion.key, version).getAsLong()));
    }
    return time == null
        ? Optional.empty()
        : Optional.of(ChangeFeed.Bound.timestamp(parseTimestamp(path, byTime.key, time)));
  }

  private static String describe(ChangeFeed.Bound bound) {
    return bound.kind() == ChangeFeed.Bound.version(0).kind()
        ? "version " + bound.value()
        : "timestamp " + Instant.ofEpochMilli(bound.value());
  }

  /** Human-readable "table X at version N" for error messages. */
  String describe() {
    return "Delta table "
        + tableUri
        + (version.isPresent()
            ? " at version " + version.getAsLong()
            : timestampMillis.isPresent()
                ? " as of timestamp "
                    + timestampText
                    + " ("
                    + Instant.ofEpochMilli(timestampMillis.getAsLong())
                    + ")"
                : " (latest version)");
  }

  static OptionalLong parseVersion(String path, String option, String value) {
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      long version = Long.parseLong(value.trim());
      if (version >= 0) {
        return OptionalLong.of(version);
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below.
    }
    throw new InvalidOptionException(
        "Invalid "
            + option
            + " '"
            + value
            + "' for Delta table "
            + path
            + ": expected a version >= 0");
  }

  /**
   * A Spark timestamp or date string in the session time zone, as delta-spark casts {@code
   * timestampAsOf} to a timestamp; milliseconds since the epoch (commit timestamps are in ms).
   */
  static long parseTimestamp(String path, String option, String value) {
    Option<Object> micros =
        DateTimeUtils.stringToTimestamp(
            UTF8String.fromString(value.trim()),
            DateTimeUtils.getZoneId(SQLConf.get().sessionLocalTimeZone()));
    if (micros.isEmpty()) {
      throw new InvalidOptionException(
          "Invalid "
              + option
              + " '"
              + value
              + "' for Delta table "
              + path
              + ": expected a timestamp such as '2024-01-31 12:00:00' or a date such as"
              + " '2024-01-31' (in the session time zone)");
    }
    return Math.floorDiv((Long) micros.get(), 1000L);
  }

  /** The {@code @yyyyMMddHHmmssSSS} of a path, in the session time zone as delta-spark reads it. */
  private static long parsePathTimestamp(String path, String value) {
    SimpleDateFormat format = new SimpleDateFormat("yyyyMMddHHmmssSSS");
    format.setLenient(false);
    format.setTimeZone(
        TimeZone.getTimeZone(DateTimeUtils.getZoneId(SQLConf.get().sessionLocalTimeZone())));
    try {
      return format.parse(value).getTime();
    } catch (ParseException e) {
      throw new InvalidOptionException(
          "Invalid timestamp '" + value + "' in " + path + ": expected yyyyMMddHHmmssSSS", e);
    }
  }

  /** Whether a location exists (a folder really named {@code ...@v1} is read as it is). */
  private static boolean exists(String location) {
    try {
      Path path = new Path(toUri(location));
      return path.getFileSystem(SparkSession.active().sessionState().newHadoopConf()).exists(path);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Keeps a location that names a scheme (any Hadoop file system) as is; a plain local path becomes
   * an absolute {@code file:} URI, so the kernel never guesses a default file system.
   */
  private static String toUri(String path) {
    try {
      URI uri = new URI(path);
      // A one-letter scheme is a Windows drive, not a file system.
      if (uri.getScheme() != null && uri.getScheme().length() > 1) {
        return path;
      }
    } catch (URISyntaxException e) {
      // Not a URI (e.g. a local path with spaces): treat it as a local path.
    }
    return new File(path).getAbsoluteFile().toURI().toString();
  }
}
