package dev.deltaffi.spark;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The {@code delta-ffi} data source: reads Delta tables through the Rust delta_kernel.
 *
 * <p>Spark creates one provider per {@code load()} and asks it for the schema, the partitioning and
 * then the table; the provider loads the kernel snapshot once and hands it to the table.
 */
public final class DeltaFfiDataSource implements TableProvider, DataSourceRegister {

  public static final String SHORT_NAME = "delta-ffi";

  private DeltaFfiTable loaded;

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

  private synchronized DeltaFfiTable table(Map<String, String> options) {
    ReadOptions read = ReadOptions.parse(options);
    if (loaded == null || !loaded.readOptions().equals(read)) {
      loaded = DeltaFfiTable.load(SparkSession.active(), read);
    }
    return loaded;
  }
}
