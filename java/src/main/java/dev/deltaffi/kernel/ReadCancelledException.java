package dev.deltaffi.kernel;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;

/**
 * Planning a read stopped because its caller cancelled it: the planning thread was interrupted, or
 * a Spark job answering the kernel was cancelled. Not a failure of the table. It wraps an {@link
 * InterruptedIOException}, so Spark's streaming engine takes it for the interruption of a stopped
 * query (as it does any interrupted I/O) rather than for an error.
 */
public class ReadCancelledException extends UncheckedIOException {
  public ReadCancelledException(String message) {
    this(message, null);
  }

  /** With what stopped it (the cancelled job's exception), if anything. */
  public ReadCancelledException(String message, Throwable cause) {
    super(message, interruption(message, cause));
  }

  private static InterruptedIOException interruption(String message, Throwable cause) {
    InterruptedIOException interruption = new InterruptedIOException(message);
    if (cause != null) {
      interruption.initCause(cause);
    }
    return interruption;
  }
}
