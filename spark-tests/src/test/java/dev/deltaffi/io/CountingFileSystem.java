package dev.deltaffi.io;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the test-only scheme {@code countingfs}, recording the calls it
 * serves. The native kernel cannot know this scheme: a read that succeeds through it proves the
 * kernel's I/O went through Java's Hadoop FileSystem, and the recorded calls show which.
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
