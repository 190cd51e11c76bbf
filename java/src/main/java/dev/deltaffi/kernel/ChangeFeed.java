package dev.deltaffi.kernel;

import dev.deltaffi.arrow.RowStreams;
import dev.deltaffi.kernel.ir.IrBuilder;
import dev.deltaffi.kernel.ir.KernelType;
import java.util.List;

/**
 * A table's change data feed through the kernel, which decides which files and rows form the
 * changes of each commit (CDC files, adds and removes, deletion-vector pairs) and checks that every
 * commit of the range recorded them. The driver resolves the range once; each reader reads the
 * changes of a slice of its commits where it runs, through its own storage.
 */
public final class ChangeFeed {
  private ChangeFeed() {}

  /**
   * A range the kernel accepted (change data feed enabled and one schema at both ends).
   *
   * @param schema the table's columns, then {@code _change_type}, {@code _commit_version} and
   *     {@code _commit_timestamp}
   */
  public record Range(String tableRoot, long start, long end, KernelType.Struct schema) {}

  /**
   * One end of a range as the user gave it: a version, a commit time (from the first commit at or
   * after it; up to the last commit at or before it), or the latest version (an end only).
   */
  public record Bound(int kind, long value) {
    public static Bound version(long version) {
      return new Bound(NativeKernel.AT_VERSION, version);
    }

    /** {@code millis} since the epoch. */
    public static Bound timestamp(long millis) {
      return new Bound(NativeKernel.AS_OF_TIMESTAMP, millis);
    }

    public static Bound latest() {
      return new Bound(NativeKernel.LATEST, 0);
    }
  }

  /** The range from {@code start} to {@code end} of the table, in versions. */
  public static Range resolve(Storage io, String tableUri, Bound start, Bound end) {
    String root = tableUri.endsWith("/") ? tableUri : tableUri + "/";
    IrBuilder ir = new IrBuilder();
    long[] resolved =
        NativeKernel.changeFeed(root, io, start.kind(), start.value(), end.kind(), end.value(), ir);
    return new Range(
        root, resolved[0], resolved[1], ir.get((int) resolved[2], KernelType.Struct.class));
  }

  /**
   * The changes of the commits {@code start} to {@code end} of the table at {@code tableRoot}, only
   * {@code columns}, in that order: an open Arrow stream the caller closes.
   */
  public static RowStreams.Imported read(
      Storage io, String tableRoot, long start, long end, List<String> columns) {
    String[] names = columns.toArray(String[]::new);
    return RowStreams.importStream(
        address -> {
          NativeKernel.readChanges(tableRoot, io, start, end, names, address);
          return true;
        });
  }
}
