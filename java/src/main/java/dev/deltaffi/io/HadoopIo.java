package dev.deltaffi.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The kernel's I/O through Hadoop FileSystem, so every scheme Spark can read (file, s3a, abfs, test
 * schemes) works without the native side knowing it. The native object store
 * (rust/src/bridge/jvm_store.rs) calls these methods, from native threads; a FileNotFoundException
 * means a missing file.
 */
public final class HadoopIo {
  private final Configuration conf;

  public HadoopIo(Configuration conf) {
    this.conf = conf;
  }

  /** A file's {size, modification time in ms}. */
  public long[] status(String url) throws IOException {
    FileStatus status = fileSystem(url).getFileStatus(path(url));
    return new long[] {status.getLen(), status.getModificationTime()};
  }

  /** {@code length} bytes of a file from {@code offset}. */
  public byte[] read(String url, long offset, long length) throws IOException {
    try (FSDataInputStream in = fileSystem(url).open(path(url))) {
      byte[] bytes = new byte[Math.toIntExact(length)];
      in.readFully(offset, bytes);
      return bytes;
    }
  }

  /**
   * The files (not directories) directly in a directory, sorted by name, as {names (String[]),
   * sizes (long[]), modification times in ms (long[])}: one JNI call for the whole listing. A
   * missing directory lists nothing: the kernel decides what an empty log means.
   */
  public Object[] listDirectory(String directoryUrl) throws IOException {
    FileStatus[] statuses;
    try {
      statuses = fileSystem(directoryUrl).listStatus(path(directoryUrl));
    } catch (FileNotFoundException e) {
      statuses = new FileStatus[0];
    }
    List<FileStatus> files =
        Arrays.stream(statuses)
            .filter(FileStatus::isFile)
            .sorted(Comparator.comparing(s -> s.getPath().getName()))
            .toList();
    return new Object[] {
      files.stream().map(s -> s.getPath().getName()).toArray(String[]::new),
      files.stream().mapToLong(FileStatus::getLen).toArray(),
      files.stream().mapToLong(FileStatus::getModificationTime).toArray()
    };
  }

  private FileSystem fileSystem(String url) throws IOException {
    return path(url).getFileSystem(conf);
  }

  private static Path path(String url) {
    return new Path(URI.create(url));
  }
}
