package dev.deltaffi.kernel;

import java.io.IOException;

/**
 * The storage every I/O request of the kernel goes through: the native object store
 * (rust/src/bridge/jvm_store.rs) calls these methods, resolved once by name and signature, from
 * native threads. A {@link java.io.FileNotFoundException} means a missing file; any other exception
 * comes back as the cause of the kernel's error. Implemented by dev.deltaffi.io.HadoopIo (Hadoop
 * FileSystem).
 */
public interface Storage {

  /** A file's {size, modification time in ms}. */
  long[] status(String url) throws IOException;

  /**
   * {@code length} bytes of a file from {@code offset}, or the whole file when {@code length} and
   * {@code fileLength} are -1. {@code fileLength}: the file's length, or a length it has at least
   * (the range's end) when the caller does not know it; the file is opened with it, so no status is
   * asked for (a HEAD request on an object store).
   */
  byte[] read(String url, long offset, long length, long fileLength) throws IOException;

  /**
   * The files (not directories) directly in a directory, sorted by name, as {names (String[]),
   * sizes (long[]), modification times in ms (long[])}; a missing directory lists nothing.
   */
  Object[] listDirectory(String directoryUrl) throws IOException;
}
