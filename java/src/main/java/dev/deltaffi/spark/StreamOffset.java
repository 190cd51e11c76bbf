package dev.deltaffi.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * Where a stream of a Delta table stands: every file up to and including file {@code index} of
 * {@code version} has been read (-1: none of that version). A version's files are the initial
 * snapshot's when {@code initialSnapshot} (sorted by modification time, then path, as delta-spark
 * sorts them), else the files its commit added, in the commit's order. Each offset also carries
 * where the stream began ({@code startVersion}, {@code startsWithSnapshot}), so a restart finds the
 * same files whatever the table's latest version is by then. A change data feed's offset says so
 * ({@code changeFeed}): there a commit read whole is its version's only entry, index 0. {@link
 * #BEGINNING} is the offset before the stream has chosen where it begins.
 */
final class StreamOffset extends Offset {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Bumped when the layout changes, so an old checkpoint is refused rather than misread. */
  private static final int LAYOUT = 1;

  static final StreamOffset BEGINNING = new StreamOffset(-1, false, -1, -1, false, false);

  final long startVersion;
  final boolean startsWithSnapshot;
  final long version;
  final long index;
  final boolean initialSnapshot;
  final boolean changeFeed;

  StreamOffset(
      long startVersion,
      boolean startsWithSnapshot,
      long version,
      long index,
      boolean initialSnapshot,
      boolean changeFeed) {
    this.startVersion = startVersion;
    this.startsWithSnapshot = startsWithSnapshot;
    this.version = version;
    this.index = index;
    this.initialSnapshot = initialSnapshot;
    this.changeFeed = changeFeed;
  }

  /** Before the first file of a stream that begins at {@code startVersion}. */
  static StreamOffset start(long startVersion, boolean startsWithSnapshot, boolean changeFeed) {
    return new StreamOffset(
        startVersion, startsWithSnapshot, startVersion, -1, startsWithSnapshot, changeFeed);
  }

  /** The same stream, through file {@code index} of {@code version}. */
  StreamOffset through(long version, long index, boolean initialSnapshot) {
    return new StreamOffset(
        startVersion, startsWithSnapshot, version, index, initialSnapshot, changeFeed);
  }

  boolean isBeginning() {
    return version < 0 && !initialSnapshot && startVersion < 0;
  }

  /** Whether this offset lies before file {@code index} of {@code version}. */
  boolean before(long version, long index, boolean initialSnapshot) {
    if (this.version != version) {
      return this.version < version;
    }
    if (this.initialSnapshot != initialSnapshot) {
      // A snapshot at a version holds its commit: the commit's files are never after it.
      return false;
    }
    return this.index < index;
  }

  @Override
  public String json() {
    ObjectNode node = JSON.createObjectNode();
    node.put("layout", LAYOUT);
    node.put("startVersion", startVersion);
    node.put("startsWithSnapshot", startsWithSnapshot);
    node.put("version", version);
    node.put("index", index);
    node.put("initialSnapshot", initialSnapshot);
    node.put("changeFeed", changeFeed);
    return node.toString();
  }

  static StreamOffset parse(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node.path("layout").asInt(-1) != LAYOUT) {
        throw new IllegalArgumentException(
            "a delta-ffi stream offset of another layout (this one reads layout " + LAYOUT + ")");
      }
      return new StreamOffset(
          node.get("startVersion").asLong(),
          node.get("startsWithSnapshot").asBoolean(),
          node.get("version").asLong(),
          node.get("index").asLong(),
          node.get("initialSnapshot").asBoolean(),
          node.get("changeFeed").asBoolean());
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read the delta-ffi stream offset " + json + " of the checkpoint: " + e, e);
    }
  }
}
