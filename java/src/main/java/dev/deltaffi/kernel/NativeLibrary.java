package dev.deltaffi.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the native library from the jar (native/linux-x86_64/). A failure is kept and rethrown,
 * with its real cause, by every later use instead of a bare UnsatisfiedLinkError. The load is
 * logged once per JVM (driver and each executor), with the library's path and version, on {@code
 * dev.deltaffi.native}.
 */
final class NativeLibrary {
  private static final String RESOURCE = "/native/linux-x86_64/libdelta_ffi.so";
  private static final Logger LOG = LoggerFactory.getLogger(NativeLog.NATIVE_LOGGER);
  private static final Throwable LOAD_FAILURE = logged(load());

  private NativeLibrary() {}

  /** Ensures the library is loaded, or throws why it could not be. */
  static void ensureLoaded() {
    if (LOAD_FAILURE != null) {
      throw new IllegalStateException(
          "delta-ffi native library could not be loaded from " + RESOURCE, LOAD_FAILURE);
    }
  }

  /** This library's version and the kernel's. */
  private static native String version();

  private static Throwable logged(Throwable failure) {
    if (failure != null) {
      LOG.error("delta-ffi native library could not be loaded from {}", RESOURCE, failure);
    }
    return failure;
  }

  private static Throwable load() {
    String os = System.getProperty("os.name", "").toLowerCase();
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return new UnsupportedOperationException(
          "delta-ffi ships a native library for linux-x86_64 only, not " + os + "-" + arch);
    }
    try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      Path file = Files.createTempFile("libdelta_ffi", ".so");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      System.load(file.toAbsolutePath().toString());
      LOG.info(
          "loaded native library {} from {} (extracted to {})",
          version(),
          NativeLibrary.class.getResource(RESOURCE),
          file.toAbsolutePath());
      return null;
    } catch (IOException | LinkageError | SecurityException e) {
      return e;
    }
  }
}
