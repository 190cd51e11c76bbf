package dev.deltaffi.spark;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * delta-ffi's SQL surface, enabled with {@code
 * spark.sql.extensions=dev.deltaffi.spark.DeltaFfiSparkSessionExtensions} (listed after
 * delta-spark's extension when both are used): {@code SELECT ... FROM `delta-ffi`.`/path`} with
 * time travel, catalog tables created {@code USING delta-ffi LOCATION '...'} ({@link
 * CatalogTables}), {@code DESCRIBE HISTORY} and {@code DESCRIBE DETAIL} ({@link
 * TableDescriptions}), in a plain session and beside delta-spark's {@code DeltaCatalog}.
 */
public final class DeltaFfiSparkSessionExtensions
    implements Function1<SparkSessionExtensions, BoxedUnit> {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectParser(DeltaFfiSqlParser::new);
    extensions.injectHintResolutionRule(CatalogTables::new);
    return BoxedUnit.UNIT;
  }
}
