package dev.deltaffi.spark;

import dev.deltaffi.kernel.ScanFileInfo;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A scan of some columns of a Delta table, as Spark's optimizer sees it: its schema, its
 * description for EXPLAIN and its size. The kernel plans it (the snapshot to read, the live files)
 * once, when Spark first asks for something only the plan knows; {@link DeltaFfiBatch} reads the
 * planned files.
 */
public final class DeltaFfiScan implements Scan, SupportsReportStatistics {

  private final DeltaFfiTable table;
  private final List<String> columns;
  private final String predicateJson;
  private final MetadataColumns metadata;
  private final StructType readSchema;

  /** The table's columns the scan reads (the read schema without {@code _metadata}). */
  private final StructType readColumns;

  private DeltaFfiBatch batch;

  /**
   * A scan of the top-level {@code columns} (null: all) skipping files by the kernel predicate
   * {@code predicateJson} (null: none), with the {@code _metadata} fields of {@code metadata}
   * (null: none). Its schema is the analysed table's: a later version read without time travel must
   * keep it (see {@link DeltaFfiTable#planScan}).
   */
  DeltaFfiScan(
      DeltaFfiTable table, List<String> columns, String predicateJson, MetadataColumns metadata) {
    this.table = table;
    this.columns = columns;
    this.predicateJson = predicateJson;
    this.metadata = metadata;
    this.readColumns =
        columns == null
            ? table.schema()
            : new StructType(
                Arrays.stream(table.schema().fields())
                    .filter(field -> columns.contains(field.name()))
                    .toArray(StructField[]::new));
    this.readSchema = metadata == null ? readColumns : readColumns.add(metadata.field());
  }

  /**
   * Whether this is the scan of a stream ({@code readStream}), which Spark never plans as a batch.
   */
  private boolean streams() {
    return table.readOptions().stream().isPresent();
  }

  /** The planned scan, planned on first use. */
  private synchronized DeltaFfiBatch batch() {
    if (batch == null) {
      DeltaFfiTable.Planned planned =
          DeltaFfiErrors.asSparkErrors(
              () -> table.planScan(SparkSession.active(), columns, predicateJson));
      batch = new DeltaFfiBatch(planned, metadata, readSchema);
    }
    return batch;
  }

  public String tableRoot() {
    return batch().planned().snapshot().tableRoot();
  }

  /** The version this scan reads. */
  public long version() {
    return batch().planned().snapshot().version();
  }

  /** The kernel phases that built the snapshot this scan was planned on. */
  public List<String> snapshotPhaseLog() {
    return batch().planned().snapshot().phaseLog();
  }

  /** The kernel phases of the scan planning. */
  public List<String> scanPhaseLog() {
    return batch().planned().plan().phaseLog();
  }

  /** The data files the scan reads, as Hadoop paths (what {@code Dataset.inputFiles()} lists). */
  String[] inputFiles() {
    return batch().planned().plan().files().stream()
        .map(file -> new Path(URI.create(file.location())).toString())
        .toArray(String[]::new);
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    if (streams()) {
      return "DeltaFfiScan stream of "
          + table.describe()
          + " columns="
          + List.of(readSchema.fieldNames());
    }
    DeltaFfiTable.Planned planned = batch().planned();
    int kept = planned.plan().files().size();
    return "DeltaFfiScan "
        + planned.snapshot().describe()
        + " columns="
        + List.of(readSchema.fieldNames())
        + " files selected by kernel: "
        + kept
        + planned
            .plan()
            .kernelCounts()
            .map(c -> " of " + c.seen() + " seen (pruned " + c.pruned() + ")")
            .orElse("")
        + " kernelPredicate="
        + (predicateJson == null ? "none" : predicateJson);
  }

  /**
   * The bytes the scan reads, as Spark's own file scans estimate them: the selected files' size,
   * scaled by the share of the row width the read columns take. Without this Spark would assume the
   * table is huge and never broadcast it in a join.
   */
  @Override
  public Statistics estimateStatistics() {
    if (streams()) {
      // A stream's size is its micro-batch's; planning the table here would be wasted.
      return new Statistics() {
        @Override
        public OptionalLong sizeInBytes() {
          return OptionalLong.empty();
        }

        @Override
        public OptionalLong numRows() {
          return OptionalLong.empty();
        }
      };
    }
    DeltaFfiBatch planned = batch();
    long fileBytes = planned.planned().plan().files().stream().mapToLong(ScanFileInfo::size).sum();
    double share = (double) readColumns.defaultSize() / Math.max(1, table.schema().defaultSize());
    long size =
        (long)
            Math.max(1, SQLConf.get().fileCompressionFactor() * Math.min(1.0, share) * fileBytes);
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return OptionalLong.of(size);
      }

      @Override
      public OptionalLong numRows() {
        return OptionalLong.empty();
      }
    };
  }

  @Override
  public Batch toBatch() {
    return batch();
  }

  /** A stream of the table ({@code readStream}), with the options it was loaded with. */
  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    StreamOptions options =
        table.readOptions().stream()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Spark streams " + table.describe() + " loaded for a batch read"));
    return DeltaFfiErrors.asSparkErrors(() -> new DeltaFfiMicroBatchStream(table, options));
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return ScanMetrics.supported();
  }

  /** Called once the scan is planned (Spark builds its input then). */
  @Override
  public CustomTaskMetric[] reportDriverMetrics() {
    return streams() ? new CustomTaskMetric[0] : ScanMetrics.ofPlan(batch().planned().plan());
  }

  /**
   * A batch scan answers from its plan; a stream's micro-batches each decide through their reader
   * factory (a stream never plans this scan).
   */
  @Override
  public ColumnarSupportMode columnarSupportMode() {
    if (streams()) {
      return ColumnarSupportMode.PARTITION_DEFINED;
    }
    return batch().columnar() ? ColumnarSupportMode.SUPPORTED : ColumnarSupportMode.UNSUPPORTED;
  }
}
