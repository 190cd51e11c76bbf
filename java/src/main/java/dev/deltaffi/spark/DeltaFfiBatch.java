package dev.deltaffi.spark;

import dev.deltaffi.kernel.DeletionVectors;
import dev.deltaffi.kernel.FileUris;
import dev.deltaffi.kernel.ScanFileInfo;
import dev.deltaffi.kernel.ScanPlan;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.plan.SparkTypes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.paths.SparkPath;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.datasources.FileFormat$;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function0;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The planned scan's files, read by Spark's own Parquet reader on the kernel's physical schema,
 * with partition values the kernel typed, then laid out in the logical order.
 *
 * <p>What the Parquet reader returns for each file, in order: the physical data columns; when a
 * file has a deletion vector or {@code _metadata} needs row indexes, each row's index in its file;
 * the materialized row tracking columns {@code _metadata} needs; the partition columns. Column
 * mapping: files are read by physical name (or Parquet field id in {@code id} mode) and each
 * logical column is taken from its physical one by position, so nested structs keep their physical
 * values under the logical names.
 */
final class DeltaFfiBatch implements Batch {

  private final DeltaFfiTable.Planned planned;
  private final StructType readSchema;
  private final StructType dataSchema;
  private final StructType partitionSchema;

  /** Whether some live file has a deletion vector: rows are then read with their row index. */
  private final boolean deletionVectors;

  /** The {@code _metadata} fields asked for, or null. */
  private final MetadataColumns metadata;

  /** Whether the Parquet reader adds each row's index in its file (after the data columns). */
  private final boolean rowIndex;

  /** Columns read from the data files after the row index: materialized row tracking values. */
  private final List<StructField> materialized;

  /**
   * Whether the files must be read with Spark's row-based Parquet reader: type widening changed a
   * column from byte or short to a decimal, and the vectorized reader cannot convert those files'
   * INT32 values (the row reader can).
   */
  private final boolean rowReader;

  /**
   * Whether data columns are matched by Parquet field id (column mapping {@code id} mode), with the
   * ids the kernel's physical schema carries.
   */
  private final boolean fieldIds;

  /** For each table column read, its position in the Parquet reader's row or batch. */
  private final int[] outputOrdinals;

  /** The copy {@link #readerSession} made, kept for the scan's later calls. */
  private SparkSession readerSession;

  DeltaFfiBatch(DeltaFfiTable.Planned planned, MetadataColumns metadata, StructType readSchema) {
    this.planned = planned;
    this.metadata = metadata;
    this.readSchema = readSchema;
    ScanPlan plan = planned.plan();
    this.fieldIds = planned.snapshot().columnMappingById();
    // Field ids only in id mode: a session may have field-id reads on (delta-spark turns them on
    // when it reads an id-mode table), and name-mode files written before mapping have no ids.
    this.dataSchema =
        fieldIds
            ? SparkTypes.withParquetFieldIds(plan.physicalSchema())
            : SparkTypes.toSpark(plan.physicalSchema());
    this.partitionSchema = SparkTypes.toSpark(plan.partitionSchema());
    this.deletionVectors = plan.files().stream().anyMatch(f -> f.deletionVector() != null);
    this.rowIndex = deletionVectors || (metadata != null && metadata.needsRowIndex());
    this.materialized = metadata == null ? List.of() : metadata.materializedColumns();
    this.rowReader = plan.widensSmallIntegersToDecimal();
    this.outputOrdinals = outputOrdinals();
  }

  DeltaFfiTable.Planned planned() {
    return planned;
  }

  /** Splits the live files into byte ranges and packs them into partitions, as Spark's FileScan. */
  @Override
  public InputPartition[] planInputPartitions() {
    SparkSession spark = SparkSession.active();
    List<ScanFileInfo> files = planned.plan().files();
    if (KernelEngines.confinesToTableRoot(spark)) {
      String tableRoot = planned.snapshot().tableRoot();
      files.forEach(file -> FileUris.requireInside(tableRoot, file.location()));
    }
    long openCost = SQLConf.get().filesOpenCostInBytes();
    long totalBytes = files.stream().mapToLong(f -> f.size() + openCost).sum();
    long maxSplitBytes = FilePartition.maxSplitBytes(spark, (Function0<Object>) () -> totalBytes);
    List<PartitionedFile> splits = new ArrayList<>();
    for (ScanFileInfo file : files) {
      for (long start = 0; start < file.size(); start += maxSplitBytes) {
        splits.add(split(file, start, Math.min(maxSplitBytes, file.size() - start)));
      }
    }
    splits.sort(Comparator.comparingLong(PartitionedFile::length).reversed());
    return CollectionConverters.asJava(
            FilePartition.getFilePartitions(
                spark, CollectionConverters.asScala(splits).toSeq(), maxSplitBytes))
        .toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    SparkSession spark = readerSession();
    boolean columnar = columnar(spark);
    Function1<PartitionedFile, Iterator<InternalRow>> readFile =
        new ParquetFileFormat()
            .buildReaderWithPartitionValues(
                spark,
                dataSchema,
                partitionSchema,
                requiredSchema(),
                CollectionConverters.asScala(List.<Filter>of()).toSeq(),
                scala.collection.immutable.Map$.MODULE$.from(
                    CollectionConverters.asScala(
                        Map.of(
                            FileFormat$.MODULE$.OPTION_RETURNING_BATCH(),
                            Boolean.toString(columnar)))),
                spark.sessionState().newHadoopConf());
    int materializedStart = dataSchema.size() + (rowIndex ? 1 : 0);
    int readerWidth = materializedStart + materialized.size() + partitionSchema.size();
    return new DeltaFfiReaderFactory(
        readFile,
        outputOrdinals,
        readSchema,
        columnar,
        planned.snapshot().describe(),
        deletedRows(spark),
        metadata == null
            ? null
            : new DeltaFfiReaderFactory.FileMetadata(
                metadata, dataSchema.size(), materializedStart, readerWidth));
  }

  /**
   * Whether the scan returns columnar batches: when Spark's vectorized reader can produce them for
   * every column read and for the scan's output, under the conditions Spark's own Parquet scan
   * uses. Deletion vectors and {@code _metadata} keep batches (see {@link DeltaFfiReaderFactory}).
   */
  boolean columnar() {
    return columnar(readerSession());
  }

  private boolean columnar(SparkSession spark) {
    StructType readerSchema = concat(requiredSchema(), partitionSchema);
    SQLConf conf = SQLConf.get();
    ParquetFileFormat parquet = new ParquetFileFormat();
    return parquet.supportBatch(spark, readerSchema)
        && parquet.supportBatch(spark, readSchema)
        && conf.wholeStageEnabled()
        && !WholeStageCodegenExec.isTooManyFields(conf, readerSchema)
        && !WholeStageCodegenExec.isTooManyFields(conf, readSchema);
  }

  /** The schema asked of the Parquet reader, before the partition columns it appends. */
  private StructType requiredSchema() {
    List<StructField> fields = new ArrayList<>(List.of(dataSchema.fields()));
    if (rowIndex) {
      fields.add(
          new StructField(
              ParquetFileFormat.ROW_INDEX_TEMPORARY_COLUMN_NAME(),
              DataTypes.LongType,
              true,
              org.apache.spark.sql.types.Metadata.empty()));
    }
    fields.addAll(materialized);
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** What executors need to drop deleted rows; null when no file has a deletion vector. */
  private DeletedRows deletedRows(SparkSession spark) {
    if (!deletionVectors) {
      return null;
    }
    HashMap<String, DeletionVectors.Descriptor> descriptors = new HashMap<>();
    for (ScanFileInfo file : planned.plan().files()) {
      if (file.deletionVector() != null) {
        descriptors.put(
            SparkPath.fromUrlString(file.location()).urlEncoded(), file.deletionVector());
      }
    }
    return new DeletedRows(
        ExecutorStorage.of(spark, planned.snapshot().tableRoot()), descriptors, dataSchema.size());
  }

  /** A byte range of a file, carrying its row tracking values for {@code _metadata}. */
  private PartitionedFile split(ScanFileInfo file, long start, long length) {
    Map<String, Object> rowTracking = new HashMap<>();
    if (file.baseRowId() != null) {
      rowTracking.put(MetadataColumns.BASE_ROW_ID, file.baseRowId());
    }
    if (file.defaultRowCommitVersion() != null) {
      rowTracking.put(MetadataColumns.DEFAULT_ROW_COMMIT_VERSION, file.defaultRowCommitVersion());
    }
    return new PartitionedFile(
        file.partitionValues(),
        SparkPath.fromUrlString(file.location()),
        start,
        length,
        new String[0],
        file.modificationTime(),
        file.size(),
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(rowTracking)));
  }

  /**
   * The session whose settings Spark's Parquet reader is built with: the active one, or a copy of
   * it that reads rows instead of batches ({@link #rowReader}) or matches columns by field id
   * ({@link #fieldIds}; a file without field ids then fails instead of reading NULLs).
   */
  private synchronized SparkSession readerSession() {
    SparkSession spark = SparkSession.active();
    if (!rowReader && !fieldIds) {
      return spark;
    }
    if (readerSession == null) {
      readerSession = readerSessionOf(spark);
    }
    return readerSession;
  }

  /**
   * A new session with the active one's settings and this scan's reader flags; the user's session
   * is never changed.
   */
  private SparkSession readerSessionOf(SparkSession spark) {
    org.apache.spark.sql.classic.SparkSession active =
        (org.apache.spark.sql.classic.SparkSession) spark;
    org.apache.spark.sql.classic.SparkSession session = active.newSession();
    SQLConf conf = session.sessionState().conf();
    active
        .sessionState()
        .conf()
        .getAllConfs()
        .foreach(
            entry -> {
              conf.setConfString(entry._1(), entry._2());
              return null;
            });
    if (rowReader) {
      conf.setConfString(SQLConf.PARQUET_VECTORIZED_READER_ENABLED().key(), "false");
    }
    if (fieldIds) {
      conf.setConfString(SQLConf.PARQUET_FIELD_ID_READ_ENABLED().key(), "true");
    }
    return session;
  }

  /**
   * Maps each table column read (by name) to the reader's row: a column is found by its physical
   * name, the field metadata {@code delta.columnMapping.physicalName} under column mapping, else
   * its own name. Partition columns come from the kernel-typed partition values.
   */
  private int[] outputOrdinals() {
    List<String> dataNames = List.of(dataSchema.fieldNames());
    List<String> partitionNames = List.of(partitionSchema.fieldNames());
    int partitionStart = dataNames.size() + (rowIndex ? 1 : 0) + materialized.size();
    KernelType.Struct logical = planned.plan().logicalSchema();
    int columns = readSchema.size() - (metadata == null ? 0 : 1);
    int[] ordinals = new int[columns];
    for (int i = 0; i < columns; i++) {
      KernelType.Field field = logical.field(readSchema.fields()[i].name());
      String physical =
          field.metadata().getOrDefault(DeltaFfiTable.PHYSICAL_NAME_KEY, field.name());
      ordinals[i] =
          planned.snapshot().partitionColumns().contains(field.name())
              ? partitionStart + position(partitionNames, physical, "partition")
              : position(dataNames, physical, "physical");
    }
    return ordinals;
  }

  private int position(List<String> names, String name, String kind) {
    int position = names.indexOf(name);
    if (position < 0) {
      throw new IllegalStateException(
          "The kernel's scan of "
              + planned.snapshot().describe()
              + " has no "
              + kind
              + " column '"
              + name
              + "' (it has "
              + names
              + ")");
    }
    return position;
  }

  private static StructType concat(StructType a, StructType b) {
    List<StructField> fields = new ArrayList<>(List.of(a.fields()));
    fields.addAll(List.of(b.fields()));
    return new StructType(fields.toArray(new StructField[0]));
  }
}
