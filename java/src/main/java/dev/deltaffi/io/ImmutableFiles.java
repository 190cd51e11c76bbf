package dev.deltaffi.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Whole files that are written once under a new name and never changed, kept in memory so each is
 * fetched once: the kernel reads a deletion vector's whole file for every data file it belongs to,
 * and one such file holds the deletion vectors of all the files one DELETE touched. Bounded by
 * size, the oldest going first; callers asking for a file being read wait for that one read, and a
 * failed read keeps nothing.
 */
final class ImmutableFiles {

  /** Reads a whole file. */
  interface Read {
    byte[] read() throws IOException;
  }

  private final long maxBytes;
  private final Map<String, CompletableFuture<byte[]>> files = new HashMap<>();
  private final ArrayDeque<String> oldestFirst = new ArrayDeque<>();
  private long keptBytes;

  ImmutableFiles(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The file at {@code url}, read by {@code read} unless kept. */
  byte[] get(String url, Read read) throws IOException {
    CompletableFuture<byte[]> file;
    boolean first;
    synchronized (this) {
      file = files.get(url);
      first = file == null;
      if (first) {
        file = new CompletableFuture<>();
        files.put(url, file);
      }
    }
    if (!first) {
      return awaitRead(file);
    }
    byte[] bytes;
    try {
      bytes = read.read();
    } catch (IOException | RuntimeException | Error e) {
      synchronized (this) {
        files.remove(url);
      }
      file.completeExceptionally(e);
      throw e;
    }
    file.complete(bytes);
    keep(url, bytes.length);
    return bytes;
  }

  private synchronized void keep(String url, long size) {
    oldestFirst.addLast(url);
    keptBytes += size;
    while (keptBytes > maxBytes && !oldestFirst.isEmpty()) {
      CompletableFuture<byte[]> oldest = files.remove(oldestFirst.removeFirst());
      keptBytes -= oldest.join().length;
    }
  }

  /** Whether {@code url} is kept (for tests). */
  synchronized boolean keeps(String url) {
    return files.containsKey(url);
  }

  private static byte[] awaitRead(CompletableFuture<byte[]> file) throws IOException {
    try {
      return file.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new UncheckedIOException(new IOException(e.getCause()));
    }
  }
}
