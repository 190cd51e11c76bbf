package dev.deltaffi.io;

import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the test-only scheme {@code countingfs}, recording the calls it
 * serves. The native kernel cannot know this scheme: a read that succeeds through it proves the
 * kernel's I/O went through Java's Hadoop FileSystem, and the recorded calls show which. The tests
 * and the benchmark (through this module's test jar) count the data files readers open with it.
 *
 * <p>Calls are kept in a static queue because Spark's executors (threads of the local test JVM) get
 * their own instances.
 */
public final class CountingFileSystem extends RawLocalFileSystem {

  public static final String SCHEME = "countingfs";

  /** One served call: the method and the path it was asked for. */
  public record Call(String method, Path path) {}

  private static final Queue<Call> CALLS = new ConcurrentLinkedQueue<>();

  public static void reset() {
    CALLS.clear();
  }

  public static List<Call> calls() {
    return List.copyOf(CALLS);
  }

  /** A local path or {@code file:} URI of a table under this scheme. */
  public static String uri(String table) {
    return SCHEME + "://" + (table.startsWith("file:") ? URI.create(table).getPath() : table);
  }

  /** The names of the data files (Parquet files outside {@code _delta_log}) opened so far. */
  /**
   * The data file names that collecting the table at {@code table} (a local path), read in {@code
   * format} through this file system and filtered by {@code filter}, opened.
   */
  public static Set<String> dataFilesReadBy(String format, String table, String filter) {
    reset();
    TestSpark.session().read().format(format).load(uri(table)).where(filter).collectAsList();
    return openedDataFiles();
  }

  public static Set<String> openedDataFiles() {
    return calls().stream()
        .filter(call -> call.method().equals("open"))
        .map(call -> call.path().toString())
        .filter(path -> path.endsWith(".parquet") && !path.contains("/_delta_log/"))
        .map(path -> path.substring(path.lastIndexOf('/') + 1))
        .collect(Collectors.toCollection(TreeSet::new));
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
  public FileStatus[] listStatus(Path path) throws IOException {
    CALLS.add(new Call("listStatus", path));
    return super.listStatus(path);
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    CALLS.add(new Call("open", path));
    return super.open(path, bufferSize);
  }

  @Override
  public FileStatus getFileStatus(Path path) throws IOException {
    CALLS.add(new Call("getFileStatus", path));
    return super.getFileStatus(path);
  }
}
