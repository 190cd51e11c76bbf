package dev.deltaffi.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native library's events in the JVM's logging (SLF4J; log4j2 under Spark). The kernel's {@code
 * tracing} events go to the logger {@value #KERNEL_LOGGER}, delta-ffi's own Rust events to {@value
 * #NATIVE_LOGGER}; each message starts with the Rust module that emitted it. The levels are gated
 * on the Rust side: the effective levels of both loggers are pushed to Rust at load and again
 * before each snapshot load and scan, so an event whose level is off costs no JNI call, and a level
 * changed by log4j2.properties or {@code SparkContext.setLogLevel} applies from the next read on.
 */
public final class NativeLog {
  /** The logger of the kernel's own events (its INFO arrives as DEBUG, its DEBUG as TRACE). */
  public static final String KERNEL_LOGGER = "dev.deltaffi.kernel";

  /** The logger of delta-ffi's Rust events (I/O calls, deletion vectors, scan counts). */
  public static final String NATIVE_LOGGER = "dev.deltaffi.native";

  static final Logger KERNEL = LoggerFactory.getLogger(KERNEL_LOGGER);
  static final Logger NATIVE = LoggerFactory.getLogger(NATIVE_LOGGER);

  /** The levels last pushed to Rust (kernel * 8 + native), or -1 before the first push. */
  private static volatile int pushed = -1;

  private NativeLog() {}

  /**
   * Called from Rust for each enabled event; {@code level} is a rank: 1 error, 2 warn, 3 info, 4
   * debug, 5 trace.
   */
  static void log(int level, String target, String message) {
    Logger logger = target.startsWith("delta_ffi") ? NATIVE : KERNEL;
    String text = "[" + target + "] " + message;
    switch (level) {
      case 1 -> logger.error(text);
      case 2 -> logger.warn(text);
      case 3 -> logger.info(text);
      case 4 -> logger.debug(text);
      default -> logger.trace(text);
    }
  }

  /** The rank of the most detailed level {@code logger} takes (0: none). */
  static int rank(Logger logger) {
    if (logger.isTraceEnabled()) {
      return 5;
    } else if (logger.isDebugEnabled()) {
      return 4;
    } else if (logger.isInfoEnabled()) {
      return 3;
    } else if (logger.isWarnEnabled()) {
      return 2;
    } else {
      return logger.isErrorEnabled() ? 1 : 0;
    }
  }

  /** Pushes both loggers' levels to Rust when they changed since the last push (one JNI call). */
  public static void refreshLevels() {
    int kernel = rank(KERNEL);
    int nativeRank = rank(NATIVE);
    int levels = kernel * 8 + nativeRank;
    if (levels != pushed) {
      NativeKernel.setLogLevels(kernel, nativeRank);
      pushed = levels;
    }
  }
}
