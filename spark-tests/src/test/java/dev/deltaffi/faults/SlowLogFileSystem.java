package dev.deltaffi.faults;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the test-only scheme {@code slowlog}, with a slow log: each open of a
 * file in {@code _delta_log} waits {@link #PAUSE_MILLIS}, as on a distant object store, so planning
 * a read of a long log takes long enough to be cancelled in the middle. The first log open after
 * {@link #armOnce} runs the armed action (interrupt the planning thread, cancel a job group), and
 * the opens after it are counted: how far planning went on once cancelled.
 *
 * <p>State is static because Spark's executors (threads of the local test JVM) get their own
 * instances.
 */
public final class SlowLogFileSystem extends RawLocalFileSystem {

  public static final String SCHEME = "slowlog";

  static final long PAUSE_MILLIS = 5;

  private static final AtomicReference<Runnable> ARMED = new AtomicReference<>();
  private static final AtomicInteger OPENS_AFTER_ACTION = new AtomicInteger(-1);

  /** Runs {@code action} at the next log open; counts the log opens after it from then on. */
  static void armOnce(Runnable action) {
    OPENS_AFTER_ACTION.set(-1);
    ARMED.set(action);
  }

  /** Log files opened after the armed action ran; -1 when it has not run. */
  static int opensAfterAction() {
    return OPENS_AFTER_ACTION.get();
  }

  static void disarm() {
    ARMED.set(null);
  }

  /** A local path as a URI of this scheme. */
  static String uri(String table) {
    return SCHEME + "://" + table;
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
    if (path.toString().contains("/_delta_log/")) {
      Runnable action = ARMED.getAndSet(null);
      if (action != null) {
        action.run();
        OPENS_AFTER_ACTION.set(0);
      } else if (OPENS_AFTER_ACTION.get() >= 0) {
        OPENS_AFTER_ACTION.incrementAndGet();
      }
      try {
        Thread.sleep(PAUSE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted opening " + path);
      }
    }
    return super.open(path, bufferSize);
  }
}
