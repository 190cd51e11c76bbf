package dev.deltaffi.io;

import dev.deltaffi.kernel.ir.IoOperation;
import dev.deltaffi.kernel.ir.KernelType;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Answers the kernel's I/O requests through Hadoop FileSystem, so every scheme Spark can read
 * (file, s3a, abfs, test schemes) works without the native side knowing it. Results are rows in the
 * shapes the native side expects (see rust/src/results.rs).
 */
public final class HadoopIo {
  public static final KernelType.Struct FILE_META_SCHEMA =
      new KernelType.Struct(
          List.of(
              field("location", "string"), field("last_modified", "long"), field("size", "long")));
  public static final KernelType.Struct BYTES_SCHEMA =
      new KernelType.Struct(List.of(nullableField("data", "binary")));
  public static final KernelType.Struct FOOTER_SCHEMA =
      new KernelType.Struct(List.of(field("footer", "binary")));

  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private final Configuration conf;

  public HadoopIo(Configuration conf) {
    this.conf = conf;
  }

  /** The schema of the answer to {@code op}. */
  public static KernelType.Struct resultSchema(IoOperation op) {
    if (op instanceof IoOperation.ReadBytes) {
      return BYTES_SCHEMA;
    }
    if (op instanceof IoOperation.ParquetFooter) {
      return FOOTER_SCHEMA;
    }
    return FILE_META_SCHEMA;
  }

  /**
   * Executes {@code op}. A missing file asked for by HeadFile or ParquetFooter throws
   * FileNotFoundException; a missing slice of ReadBytes is a NULL row.
   */
  public List<InternalRow> execute(IoOperation op) throws IOException {
    if (op instanceof IoOperation.FileListing listing) {
      return list(listing.url());
    }
    if (op instanceof IoOperation.HeadFile head) {
      FileStatus status = fileSystem(head.url()).getFileStatus(path(head.url()));
      return List.of(fileMeta(head.url(), status));
    }
    if (op instanceof IoOperation.ReadBytes read) {
      List<InternalRow> rows = new ArrayList<>();
      for (IoOperation.FileSlice slice : read.slices()) {
        rows.add(new GenericInternalRow(new Object[] {readSlice(slice)}));
      }
      return rows;
    }
    if (op instanceof IoOperation.ParquetFooter footer) {
      return List.of(new GenericInternalRow(new Object[] {parquetFooter(footer)}));
    }
    throw new UnsupportedOperationException(
        "delta-ffi is a reader and does not execute " + ((IoOperation.Unsupported) op).name());
  }

  /**
   * Files of the directory of {@code url} whose names sort strictly after its last segment (all
   * files when the url names a directory), sorted by name. A missing directory lists nothing: the
   * kernel decides what an empty log means.
   */
  private List<InternalRow> list(String url) throws IOException {
    int slash = url.lastIndexOf('/');
    String directoryUrl = url.substring(0, slash + 1);
    String after = url.substring(slash + 1);
    return filesIn(directoryUrl).stream()
        .filter(s -> s.getPath().getName().compareTo(after) > 0)
        .map(s -> fileMeta(directoryUrl + s.getPath().getName(), s))
        .toList();
  }

  /** The files (not directories) directly in a directory, sorted by name; none if it is missing. */
  private List<FileStatus> filesIn(String directoryUrl) throws IOException {
    FileStatus[] statuses;
    try {
      statuses = fileSystem(directoryUrl).listStatus(path(directoryUrl));
    } catch (FileNotFoundException e) {
      return List.of();
    }
    return Arrays.stream(statuses)
        .filter(FileStatus::isFile)
        .sorted(Comparator.comparing(s -> s.getPath().getName()))
        .toList();
  }

  // The in-process log replay's object store (rust/src/bridge/jvm_store.rs) calls the three
  // methods below from native threads. A FileNotFoundException means a missing file.

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
   * The files directly in a directory, sorted by name, as {names (String[]), sizes (long[]),
   * modification times in ms (long[])}: one JNI call for the whole listing.
   */
  public Object[] listDirectory(String directoryUrl) throws IOException {
    List<FileStatus> files = filesIn(directoryUrl);
    return new Object[] {
      files.stream().map(s -> s.getPath().getName()).toArray(String[]::new),
      files.stream().mapToLong(FileStatus::getLen).toArray(),
      files.stream().mapToLong(FileStatus::getModificationTime).toArray()
    };
  }

  private byte[] readSlice(IoOperation.FileSlice slice) throws IOException {
    try {
      long length = slice.length() >= 0 ? slice.length() : status(slice.url())[0] - slice.offset();
      return read(slice.url(), slice.offset(), length);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** The serialized FileMetaData of a Parquet file: the bytes before its 8-byte trailer. */
  private byte[] parquetFooter(IoOperation.ParquetFooter footer) throws IOException {
    Path file = path(footer.url());
    FileSystem fs = fileSystem(footer.url());
    long size = footer.size() > 0 ? footer.size() : fs.getFileStatus(file).getLen();
    try (FSDataInputStream in = fs.open(file)) {
      byte[] trailer = new byte[8];
      in.readFully(size - 8, trailer);
      if (!Arrays.equals(Arrays.copyOfRange(trailer, 4, 8), PARQUET_MAGIC)) {
        throw new IOException(footer.url() + " is not a Parquet file (no PAR1 trailer)");
      }
      int length = ByteBuffer.wrap(trailer, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (length <= 0 || length > size - 12) {
        throw new IOException(footer.url() + " has a corrupt Parquet footer length " + length);
      }
      byte[] metadata = new byte[length];
      in.readFully(size - 8 - length, metadata);
      return metadata;
    }
  }

  private static InternalRow fileMeta(String location, FileStatus status) {
    return new GenericInternalRow(
        new Object[] {
          UTF8String.fromString(location), status.getModificationTime(), status.getLen()
        });
  }

  private FileSystem fileSystem(String url) throws IOException {
    return path(url).getFileSystem(conf);
  }

  private static Path path(String url) {
    return new Path(URI.create(url));
  }

  private static KernelType.Field field(String name, String type) {
    return new KernelType.Field(name, new KernelType.Primitive(type), false, Map.of());
  }

  private static KernelType.Field nullableField(String name, String type) {
    return new KernelType.Field(name, new KernelType.Primitive(type), true, Map.of());
  }
}
