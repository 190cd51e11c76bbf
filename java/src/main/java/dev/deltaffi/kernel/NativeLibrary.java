package dev.deltaffi.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads the native library from the jar (native/linux-x86_64/). A failure is kept and rethrown,
 * with its real cause, by every later use instead of a bare UnsatisfiedLinkError.
 */
final class NativeLibrary {
  private static final String RESOURCE = "/native/linux-x86_64/libdelta_ffi.so";
  private static final Throwable LOAD_FAILURE = load();

  private NativeLibrary() {}

  /** Ensures the library is loaded, or throws why it could not be. */
  static void ensureLoaded() {
    if (LOAD_FAILURE != null) {
      throw new IllegalStateException(
          "delta-ffi native library could not be loaded from " + RESOURCE, LOAD_FAILURE);
    }
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
      return null;
    } catch (IOException | LinkageError | SecurityException e) {
      return e;
    }
  }
}
