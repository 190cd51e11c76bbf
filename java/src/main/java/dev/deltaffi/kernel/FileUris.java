package dev.deltaffi.kernel;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * File URLs as the kernel writes them (percent-encoded, {@code file:///a/b%20c}) in the two forms
 * Spark's file sources use: the path string a reader is given, and the {@code _metadata.file_path}
 * it reports for each row.
 */
public final class FileUris {
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  private FileUris() {}

  /**
   * Parses a URL reference, percent-encoding characters a URI path may not hold (a space, a
   * bracket) the way the kernel's URL parser does, while keeping existing escapes.
   */
  public static URI parse(String url) {
    StringBuilder encoded = new StringBuilder();
    for (byte b : url.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && "\"<>[\\]^`{|}".indexOf(c) < 0) {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(String.format("%02X", c));
      }
    }
    try {
      return new URI(encoded.toString());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Invalid file URL: " + url, e);
    }
  }

  /** Resolves a URL reference against a base (RFC 3986), never by string concatenation. */
  public static URI resolve(String base, String reference) {
    return parse(base).resolve(parse(relativeUnlessSchemed(reference)));
  }

  /**
   * A relative path whose first segment holds a colon (delta-rs writes partition timestamps such as
   * {@code time=1971-07-22T03:06:40Z/part-0.parquet} unescaped) would parse as a scheme; RFC 3986
   * spells such a reference with a leading {@code ./}.
   */
  private static String relativeUnlessSchemed(String reference) {
    int colon = reference.indexOf(':');
    int slash = reference.indexOf('/');
    boolean colonInFirstSegment = colon >= 0 && (slash < 0 || colon < slash);
    return colonInFirstSegment && !SCHEME.matcher(reference).find() ? "./" + reference : reference;
  }

  /**
   * Fails with {@link FileOutsideTableException} unless the file at URL {@code file} lies inside
   * the directory {@code tableRoot} once both are percent-decoded and normalised, as Hadoop opens
   * them: no {@code ..}, {@code %2E%2E} or absolute URL escapes it.
   */
  public static void requireInside(String tableRoot, String file) {
    URI root = parse(tableRoot);
    URI uri = parse(file);
    String rootPath = normalisedPath(root);
    boolean inside =
        uri.getScheme() != null
            && uri.getScheme().equalsIgnoreCase(root.getScheme())
            && Objects.equals(
                emptyIfNull(uri.getRawAuthority()), emptyIfNull(root.getRawAuthority()))
            && normalisedPath(uri).startsWith(rootPath.endsWith("/") ? rootPath : rootPath + "/");
    if (!inside) {
      throw new FileOutsideTableException(file, tableRoot);
    }
  }

  private static String normalisedPath(URI uri) {
    try {
      return new URI(null, null, uri.getPath(), null).normalize().getPath();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Invalid file URL: " + uri, e);
    }
  }

  private static String emptyIfNull(String s) {
    return s == null ? "" : s;
  }

  /**
   * The path string to hand a Spark reader: Hadoop parses it back into the same file. Spark globs
   * reader paths, so glob metacharacters are escaped (turning globbing off instead makes Spark 4.2
   * read such files twice).
   */
  public static String readerPath(URI uri) {
    return hadoopPath(uri).toString().replaceAll("([\\\\\\[\\]{}*?])", "\\\\$1");
  }

  /** The file as Spark's {@code _metadata.file_path} names it (e.g. {@code file:/a/b%20c}). */
  public static String sparkFilePath(URI uri) {
    return hadoopPath(uri).toUri().toString();
  }

  // Rebuilt from decoded parts so that file:///x and file:/x (empty authority) agree.
  private static Path hadoopPath(URI uri) {
    return new Path(uri.getScheme(), uri.getAuthority(), uri.getPath());
  }
}
