package dev.deltaffi.io;

import dev.deltaffi.kernel.FileUris;
import dev.deltaffi.kernel.Storage;
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
import org.apache.hadoop.fs.FutureDataInputStreamBuilder;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * The kernel's storage over Hadoop FileSystem, so every scheme Spark can read (file, s3a, abfs,
 * test schemes) works without the native side knowing it.
 */
public final class HadoopIo implements Storage {
  private final Configuration conf;

  /** The table root every file must lie in; null: any file. */
  private final String confinedTo;

  public HadoopIo(Configuration conf) {
    this(conf, null);
  }

  private HadoopIo(Configuration conf, String confinedTo) {
    this.conf = conf;
    this.confinedTo = confinedTo;
  }

  /** The same storage, refusing any file outside {@code tableRoot}. */
  public HadoopIo confinedTo(String tableRoot) {
    return new HadoopIo(conf, tableRoot);
  }

  @Override
  public long[] status(String url) throws IOException {
    requireConfined(url);
    FileStatus status = fileSystem(url).getFileStatus(path(url));
    return new long[] {status.getLen(), status.getModificationTime()};
  }

  /**
   * Opens the file with its length when the caller knows it ({@code openFile}'s standard options),
   * which object stores such as S3A's classic stream take instead of a HEAD request, and with the
   * read policy of the range; {@code length} -1 reads the whole file, whatever its length.
   */
  @Override
  public byte[] read(String url, long offset, long length, long fileLength) throws IOException {
    requireConfined(url);
    if (length < 0 && isDeletionVectorFile(url)) {
      return DELETION_VECTOR_FILES.get(url, () -> open(url, offset, length, fileLength));
    }
    return open(url, offset, length, fileLength);
  }

  /**
   * The deletion vector files this JVM read ({@code deletion_vector_<uuid>.bin}: written once under
   * a new name), up to 64 MiB.
   */
  private static final ImmutableFiles DELETION_VECTOR_FILES = new ImmutableFiles(64L << 20);

  private static boolean isDeletionVectorFile(String url) {
    String name = path(url).getName();
    return name.startsWith("deletion_vector_") && name.endsWith(".bin");
  }

  private byte[] open(String url, long offset, long length, long fileLength) throws IOException {
    boolean whole = length < 0 || (offset == 0 && length == fileLength);
    FutureDataInputStreamBuilder open =
        fileSystem(url)
            .openFile(path(url))
            .opt(
                Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                whole
                    ? Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_WHOLE_FILE
                    : Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_RANDOM);
    if (fileLength >= 0) {
      open.optLong(Options.OpenFileOptions.FS_OPTION_OPENFILE_LENGTH, fileLength);
    }
    try (FSDataInputStream in = FutureIO.awaitFuture(open.build())) {
      if (length < 0) {
        return in.readAllBytes();
      }
      byte[] bytes = new byte[Math.toIntExact(length)];
      in.readFully(offset, bytes);
      return bytes;
    }
  }

  /** One JNI call for the whole listing; the kernel decides what an empty log means. */
  @Override
  public Object[] listDirectory(String directoryUrl) throws IOException {
    requireConfined(directoryUrl);
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

  private void requireConfined(String url) {
    if (confinedTo != null) {
      FileUris.requireInside(confinedTo, url);
    }
  }

  private FileSystem fileSystem(String url) throws IOException {
    return path(url).getFileSystem(conf);
  }

  private static Path path(String url) {
    return new Path(URI.create(url));
  }
}
