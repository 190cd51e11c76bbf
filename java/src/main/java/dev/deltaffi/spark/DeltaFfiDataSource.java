package dev.deltaffi.spark;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The {@code delta-ffi} data source: reads Delta tables through the Rust delta_kernel.
 *
 * <p>Spark creates one provider per {@code load()} and asks it for the schema, the partitioning and
 * then the table; the provider loads the kernel snapshot once and hands it to the table.
 */
public final class DeltaFfiDataSource
    implements TableProvider, DataSourceRegister, CreatableRelationProvider {

  public static final String SHORT_NAME = "delta-ffi";

  private Table loaded;
  private ReadOptions loadedWith;

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return table(options).schema();
  }

  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    return table(options).partitioning();
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return table(properties);
  }

  /** The schema is the table's own; a user-given schema would be silently wrong. */
  @Override
  public boolean supportsExternalMetadata() {
    return false;
  }

  /**
   * A write to a Delta table that exists: Spark found the table not writable and falls back to
   * this. delta-ffi never writes.
   */
  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    throw DeltaFfiErrors.<RuntimeException>undeclared(
        DeltaFfiErrors.readOnly(parameters.getOrElse("path", () -> "a table")));
  }

  private synchronized Table table(Map<String, String> options) {
    if (calledByWriter()) {
      // Spark's DataFrameWriter loads the table before it asks whether it can write: refuse
      // before loading anything (a new path must not fail as a missing table, and no snapshot
      // is held for a write that cannot happen).
      throw DeltaFfiErrors.<RuntimeException>undeclared(
          DeltaFfiErrors.readOnly(options.getOrDefault("path", "a table")));
    }
    return DeltaFfiErrors.asSparkErrors(
        () -> {
          ReadOptions read = ReadOptions.parse(options, calledByStreamReader());
          if (loaded == null || !read.equals(loadedWith)) {
            loaded = load(SparkSession.active(), read, Map.of());
            loadedWith = read;
          }
          if (calledBySpark("V2SessionCatalog") && loaded instanceof DeltaFfiTable table) {
            // The session catalog loads a table for its commands (CREATE TABLE, SHOW, ALTER),
            // which never scan it; reads of catalog tables are resolved by CatalogTables.
            table.releaseSnapshot();
          }
          return loaded;
        });
  }

  /**
   * The table {@code read} names: its change data feed, or its rows. {@code catalogProperties}:
   * what a catalog table adds to the properties Spark shows (see DeltaFfiTable#load).
   */
  static Table load(SparkSession spark, ReadOptions read, Map<String, String> catalogProperties) {
    return read.changes().isPresent()
        ? ChangeFeedTable.load(spark, read)
        : DeltaFfiTable.load(spark, read, catalogProperties);
  }

  /**
   * Whether Spark asks for the table to stream it ({@code readStream}): the TableProvider API does
   * not say, so the caller's frames do. A stream honours options a batch read refuses.
   */
  private static boolean calledByStreamReader() {
    return calledBySpark("DataStreamReader");
  }

  /**
   * Whether Spark asks for the table to write it: the TableProvider API does not say, so the
   * caller's frames do.
   */
  private static boolean calledByWriter() {
    return calledBySpark("DataFrameWriter");
  }

  /** Whether a frame of the caller's stack is of Spark's SQL class named {@code className}. */
  private static boolean calledBySpark(String className) {
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames.anyMatch(
                    frame ->
                        frame.getClassName().startsWith("org.apache.spark.sql.")
                            && frame.getClassName().contains(className)));
  }
}
