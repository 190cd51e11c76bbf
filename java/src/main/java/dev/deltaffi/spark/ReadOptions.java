package dev.deltaffi.spark;

import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The options of a {@code delta-ffi} read: the table location as a URI and the version to read
 * (empty: latest).
 */
record ReadOptions(String tableUri, OptionalLong version) {

  static final String PATH = "path";
  static final String VERSION_AS_OF = "versionAsOf";
  static final String TIMESTAMP_AS_OF = "timestampAsOf";

  static ReadOptions parse(Map<String, String> options) {
    CaseInsensitiveStringMap opts = new CaseInsensitiveStringMap(options);
    String path = opts.get(PATH);
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "delta-ffi needs the table location: use load(path) or option(\"path\", ...)");
    }
    if (opts.containsKey(TIMESTAMP_AS_OF)) {
      throw new UnsupportedOperationException(
          "delta-ffi does not support timestampAsOf yet (table " + path + "); use versionAsOf");
    }
    return new ReadOptions(toUri(path), parseVersion(path, opts.get(VERSION_AS_OF)));
  }

  /** Human-readable "table X at version N" for error messages. */
  String describe() {
    return "Delta table "
        + tableUri
        + (version.isPresent() ? " at version " + version.getAsLong() : " (latest version)");
  }

  private static OptionalLong parseVersion(String path, String value) {
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
    throw new IllegalArgumentException(
        "Invalid versionAsOf '"
            + value
            + "' for Delta table "
            + path
            + ": expected a version >= 0");
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
