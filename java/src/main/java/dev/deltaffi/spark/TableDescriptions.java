package dev.deltaffi.spark;

import dev.deltaffi.kernel.KernelEngine;
import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.ScanFileInfo;
import dev.deltaffi.kernel.ScanPlan;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogUtils;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.types.DataTypeUtils;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code DESCRIBE HISTORY} and {@code DESCRIBE DETAIL} of a delta-ffi table ({@code
 * `delta-ffi`.`/path`} or a catalog table created {@code USING delta-ffi}), with delta-spark's
 * columns and values. As delta-spark's commands do, the statement reads the table when it runs,
 * which for SQL is when it is parsed: the answer is a local relation.
 */
final class TableDescriptions {

  /** delta-spark's DESCRIBE HISTORY columns. */
  static final StructType HISTORY_SCHEMA =
      StructType.fromDDL(
          "version BIGINT, timestamp TIMESTAMP, userId STRING, userName STRING, operation STRING,"
              + " operationParameters MAP<STRING, STRING>, job STRUCT<jobId: STRING, jobName:"
              + " STRING, jobRunId: STRING, runId: STRING, jobOwnerId: STRING, triggerType:"
              + " STRING>, notebook STRUCT<notebookId: STRING>, clusterId STRING, readVersion"
              + " BIGINT, isolationLevel STRING, isBlindAppend BOOLEAN, operationMetrics"
              + " MAP<STRING, STRING>, userMetadata STRING, engineInfo STRING");

  /** delta-spark's DESCRIBE DETAIL columns. */
  static final StructType DETAIL_SCHEMA =
      StructType.fromDDL(
          "format STRING, id STRING, name STRING, description STRING, location STRING, createdAt"
              + " TIMESTAMP, lastModified TIMESTAMP, partitionColumns ARRAY<STRING>,"
              + " clusteringColumns ARRAY<STRING>, numFiles BIGINT, sizeInBytes BIGINT, properties"
              + " MAP<STRING, STRING>, minReaderVersion INT, minWriterVersion INT, tableFeatures"
              + " ARRAY<STRING>");

  private static final Pattern DESCRIBE =
      Pattern.compile(
          "\\s*DESC(?:RIBE)?\\s+(HISTORY|DETAIL)\\s+(.+?)(?:\\s+LIMIT\\s+(\\d+))?\\s*;?\\s*",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  private final SparkSession session;
  private final ParserInterface identifiers;
  private final CatalogTables catalogTables;

  TableDescriptions(SparkSession session, ParserInterface identifiers) {
    this.session = session;
    this.identifiers = identifiers;
    this.catalogTables = new CatalogTables(session);
  }

  /**
   * The answer of {@code sqlText} when it is a DESCRIBE HISTORY or DETAIL of a delta-ffi table;
   * else null (the statement is someone else's: delta-spark's, or an error of Spark's parser).
   */
  LogicalPlan describe(String sqlText) {
    Matcher statement = DESCRIBE.matcher(sqlText);
    if (!statement.matches()) {
      return null;
    }
    boolean history = statement.group(1).equalsIgnoreCase("HISTORY");
    if (!history && statement.group(3) != null) {
      return null;
    }
    Seq<String> nameParts;
    try {
      nameParts = identifiers.parseMultipartIdentifier(statement.group(2));
    } catch (ParseException e) {
      return null;
    }
    List<String> parts = CollectionConverters.asJava(nameParts);
    String location;
    String name;
    if (parts.size() == 2 && parts.get(0).equalsIgnoreCase(DeltaFfiDataSource.SHORT_NAME)) {
      location = parts.get(1);
      name = null;
    } else {
      Optional<CatalogTable> table = catalogTables.find(nameParts);
      if (table.isEmpty()) {
        return null;
      }
      location = CatalogUtils.URIToString(table.get().location());
      name =
          CatalogManager.SESSION_CATALOG_NAME()
              + "."
              + table.get().database()
              + "."
              + table.get().identifier().table();
    }
    long limit = statement.group(3) == null ? 0 : Long.parseLong(statement.group(3));
    return DeltaFfiErrors.asSparkErrors(
        () -> history ? history(location, limit) : detail(location, name));
  }

  /** The history, newest first: all commits, or the latest {@code limit} when positive. */
  private LogicalPlan history(String location, long limit) {
    List<InternalRow> rows = new ArrayList<>();
    UnsafeProjection unsafe = UnsafeProjection.create(HISTORY_SCHEMA);
    try (KernelSnapshot snapshot = latest(location)) {
      snapshot.history(
          KernelEngines.of(session).storage(),
          limit,
          batch -> batch.rowIterator().forEachRemaining(row -> rows.add(unsafe.apply(row).copy())));
    }
    return localRelation(HISTORY_SCHEMA, rows);
  }

  /** The detail of the latest version; the file count and size from a scan of it. */
  private LogicalPlan detail(String location, String name) {
    KernelEngine engine = KernelEngines.of(session);
    try (KernelSnapshot snapshot = latest(location)) {
      KernelSnapshot.Detail detail = snapshot.detail(engine.storage());
      ScanPlan scan = snapshot.planScan(engine, null, null);
      long bytes = scan.files().stream().mapToLong(ScanFileInfo::size).sum();
      Object row =
          CatalystTypeConverters.createToCatalystConverter(DETAIL_SCHEMA)
              .apply(
                  RowFactory.create(
                      "delta",
                      detail.id(),
                      name,
                      detail.description(),
                      DeltaFfiTable.location(snapshot.tableRoot()),
                      detail.createdAt() == null ? null : new Timestamp(detail.createdAt()),
                      new Timestamp(detail.lastModified()),
                      detail.partitionColumns(),
                      detail.clusteringColumns(),
                      (long) scan.files().size(),
                      bytes,
                      detail.properties(),
                      detail.minReaderVersion(),
                      detail.minWriterVersion(),
                      detail.tableFeatures()));
      return localRelation(DETAIL_SCHEMA, List.of((InternalRow) row));
    }
  }

  private KernelSnapshot latest(String location) {
    return DeltaFfiTable.openSnapshot(
        session, ReadOptions.parse(Map.of(DeltaOptions.PATH.key, location), false));
  }

  private static LogicalPlan localRelation(StructType schema, List<InternalRow> rows) {
    @SuppressWarnings("unchecked")
    Seq<Attribute> output = (Seq<Attribute>) (Seq<?>) DataTypeUtils.toAttributes(schema);
    return new LocalRelation(
        output, CollectionConverters.asScala(rows).toSeq(), false, Option.empty());
  }
}
