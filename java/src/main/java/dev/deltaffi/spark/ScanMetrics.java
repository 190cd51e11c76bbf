package dev.deltaffi.spark;

import dev.deltaffi.kernel.ScanFileInfo;
import dev.deltaffi.kernel.ScanPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.util.Utils;

/**
 * The scan node's metrics, shown in the Spark UI and kept in its {@code SQLMetrics}: what the
 * kernel selected and what planning cost, reported by the driver once the scan is planned, and the
 * rows deletion vectors dropped, reported by each reader. Spark instantiates each metric class by
 * name to aggregate task values, hence public classes with no-argument constructors.
 */
public final class ScanMetrics {

  private ScanMetrics() {}

  /** Every metric the scan reports. */
  static CustomMetric[] supported() {
    return new CustomMetric[] {
      new FilesSelected(),
      new BytesSelected(),
      new FilesPruned(),
      new LogBytes(),
      new PlanningTime(),
      new DeletedRows()
    };
  }

  /**
   * The driver's values for a planned scan: pruning and cost only where the kernel counted them.
   */
  static CustomTaskMetric[] ofPlan(ScanPlan plan) {
    List<CustomTaskMetric> values = new ArrayList<>();
    values.add(value(FilesSelected.NAME, plan.files().size()));
    values.add(
        value(BytesSelected.NAME, plan.files().stream().mapToLong(ScanFileInfo::size).sum()));
    plan.kernelCounts().ifPresent(counts -> values.add(value(FilesPruned.NAME, counts.pruned())));
    plan.cost()
        .ifPresent(
            cost -> {
              values.add(value(LogBytes.NAME, cost.logBytes()));
              values.add(value(PlanningTime.NAME, TimeUnit.NANOSECONDS.toMillis(cost.nanos())));
            });
    return values.toArray(CustomTaskMetric[]::new);
  }

  /** A reader's count of the rows its deletion vectors dropped so far. */
  static CustomTaskMetric[] ofReader(long deletedRows) {
    return new CustomTaskMetric[] {value(DeletedRows.NAME, deletedRows)};
  }

  private static CustomTaskMetric value(String name, long value) {
    return new CustomTaskMetric() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public long value() {
        return value;
      }
    };
  }

  /** A summed metric; subclasses name it (Spark needs one no-argument class per metric). */
  private abstract static class SumMetric extends CustomSumMetric {
    private final String name;
    private final String description;

    SumMetric(String name, String description) {
      this.name = name;
      this.description = description;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return description;
    }
  }

  /** A sum of bytes, shown as a size. */
  private abstract static class SizeMetric extends SumMetric {
    SizeMetric(String name, String description) {
      super(name, description);
    }

    @Override
    public String aggregateTaskMetrics(long[] values) {
      return Utils.bytesToString(Arrays.stream(values).sum());
    }
  }

  public static final class FilesSelected extends SumMetric {
    static final String NAME = "filesSelected";

    public FilesSelected() {
      super(NAME, "files selected by the kernel");
    }
  }

  public static final class BytesSelected extends SizeMetric {
    static final String NAME = "bytesSelected";

    public BytesSelected() {
      super(NAME, "size of files selected");
    }
  }

  public static final class FilesPruned extends SumMetric {
    static final String NAME = "filesPruned";

    public FilesPruned() {
      super(NAME, "add actions pruned by partition values and statistics (in-process replay)");
    }
  }

  public static final class LogBytes extends SizeMetric {
    static final String NAME = "logBytes";

    public LogBytes() {
      super(NAME, "size of the log replayed (checkpoint and commits)");
    }
  }

  public static final class PlanningTime extends SumMetric {
    static final String NAME = "planningTimeMs";

    public PlanningTime() {
      super(NAME, "time planning the scan in the kernel (ms)");
    }
  }

  public static final class DeletedRows extends SumMetric {
    static final String NAME = "rowsDeletedByDeletionVectors";

    public DeletedRows() {
      super(NAME, "rows dropped by deletion vectors");
    }
  }
}
