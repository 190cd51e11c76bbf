package dev.deltaffi.bench;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@code countingfs}, remembering the data files (Parquet
 * files outside {@code _delta_log}) it opened. Static, as Spark's tasks get their own instances.
 */
public final class CountingFileSystem extends RawLocalFileSystem {

  static final String SCHEME = "countingfs";

  private static final Set<String> OPENED = ConcurrentHashMap.newKeySet();

  /** {@code fileUri} under this scheme. */
  static String uri(String fileUri) {
    return SCHEME + fileUri.substring(fileUri.indexOf(':'));
  }

  static void reset() {
    OPENED.clear();
  }

  static int openedDataFiles() {
    return OPENED.size();
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    String name = path.toUri().getPath();
    if (name.endsWith(".parquet") && !name.contains("/_delta_log/")) {
      OPENED.add(name);
    }
    return super.open(path, bufferSize);
  }
}
