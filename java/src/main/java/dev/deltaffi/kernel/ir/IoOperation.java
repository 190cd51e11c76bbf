package dev.deltaffi.kernel.ir;

import java.util.List;

/** A single I/O request from the kernel. */
public sealed interface IoOperation extends Operation {

  /** List files sorted by path, strictly after {@code url}, within its directory. */
  record FileListing(String url) implements IoOperation {}

  /** A byte range; length -1 means to the end of the file. */
  record FileSlice(String url, long offset, long length) {}

  record ReadBytes(List<FileSlice> slices) implements IoOperation {}

  record HeadFile(String url) implements IoOperation {}

  record ParquetFooter(String url, long size) implements IoOperation {}

  /** An I/O request a reader never needs (writes, copies); answered with an error. */
  record Unsupported(String name) implements IoOperation {}
}
