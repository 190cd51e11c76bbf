package dev.deltaffi.sql;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Streams;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Catalog tables created {@code USING delta-ffi LOCATION}, in a session with delta-spark's {@code
 * DeltaCatalog} and in a plain one: reads and time travel answer as delta-spark's table of the same
 * location, DESCRIBE TABLE shows delta-spark's schema, partitioning, location and properties, SHOW
 * COLUMNS / TBLPROPERTIES and {@code table_changes} answer as delta-spark's, streams ({@code
 * readStream.table}) read as delta-spark's, writes and managed tables are refused, DROP TABLE
 * leaves the data.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class CatalogTablesTest {

  @TempDir static Path dir;
  private static String table;

  /** A table with the change data feed enabled: see TestTables#writeChangeHistory. */
  private static String changes;

  @BeforeAll
  static void writeTables() {
    table = TestTables.writeSmall(dir.resolve("three-commits"), 3);
    TestSpark.session().sql("CREATE TABLE oracle USING delta LOCATION '" + table + "'");
    changes = dir.resolve("changes").toString();
    TestTables.writeChangeHistory(
        changes, "'delta.enableChangeDataFeed' = 'true'", "PARTITIONED BY (p)");
    TestSpark.session().sql("CREATE TABLE oracle_changes USING delta LOCATION '" + changes + "'");
  }

  @AfterEach
  void dropTables() {
    for (SqlSessions setup : SqlSessions.values()) {
      setup.session().sql("DROP TABLE IF EXISTS ffi");
    }
  }

  private static void create(SqlSessions setup) {
    setup.session().sql("CREATE TABLE ffi USING `delta-ffi` LOCATION '" + table + "'");
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void readsAndTimeTravelsAsDeltaSpark(SqlSessions setup) {
    create(setup);
    assertSame(setup, from -> "SELECT * FROM " + from);
    assertSame(
        setup, from -> "SELECT " + from + ".part, count(*), sum(id) FROM " + from + " GROUP BY 1");
    assertSame(setup, from -> "SELECT * FROM " + from + " VERSION AS OF 0");
    assertSame(setup, from -> "SELECT id FROM " + from + " VERSION AS OF 1 WHERE part = 2");
    Timestamp second =
        TestSpark.session()
            .sql("DESCRIBE HISTORY oracle")
            .where("version = 1")
            .first()
            .getTimestamp(1);
    assertSame(setup, from -> "SELECT * FROM " + from + " TIMESTAMP AS OF '" + second + "'");
    Dataset<Row> byName = setup.session().table("ffi");
    assertSameAnswer(
        TestSpark.session().table("oracle"),
        TestSpark.session().createDataFrame(byName.collectAsList(), byName.schema()),
        "spark.table");
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void describesTheDeltaLogAsDeltaSparkDoes(SqlSessions setup) {
    create(setup);
    Map<String, String> ffi = describe(setup.session(), "ffi");
    Map<String, String> oracle = describe(TestSpark.session(), "oracle");
    assertEquals("EXTERNAL", ffi.get("Type"));
    assertEquals("delta-ffi", ffi.get("Provider"));
    for (String field : List.of("id", "name", "amount", "part", "Location", "Table Properties")) {
      assertEquals(oracle.get(field), ffi.get(field), field);
    }
    assertEquals(
        partitionColumns(setup.session(), "ffi"), partitionColumns(TestSpark.session(), "oracle"));
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void showsColumnsAndPropertiesAsDeltaSpark(SqlSessions setup) {
    create(setup);
    assertSame(setup, from -> "SHOW COLUMNS IN " + from);
    assertSame(setup, from -> "DESCRIBE " + from + " part");
    assertSame(setup, from -> "SHOW TBLPROPERTIES " + from + " ('delta.checkpointInterval')");
    String deltaProperties = "key LIKE 'delta.%'";
    assertSameAnswer(
        TestSpark.session().sql("SHOW TBLPROPERTIES oracle").where(deltaProperties),
        setup.sql("SHOW TBLPROPERTIES ffi").where(deltaProperties),
        "SHOW TBLPROPERTIES");
    setup.session().sql("REFRESH TABLE ffi");
    assertCondition(
        "NOT_SUPPORTED_COMMAND_FOR_V2_TABLE",
        () -> setup.session().sql("ANALYZE TABLE ffi COMPUTE STATISTICS"));
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void tableChangesAnswersAsDeltaSpark(SqlSessions setup) {
    setup.session().sql("CREATE TABLE ffi USING `delta-ffi` LOCATION '" + changes + "'");
    assertSame(setup, "oracle_changes", from -> "SELECT * FROM table_changes('" + from + "', 1)");
    assertSame(
        setup,
        "oracle_changes",
        from -> "SELECT * FROM table_changes('default." + from + "', 2, 3)");
    Timestamp third =
        TestSpark.session()
            .sql("DESCRIBE HISTORY oracle_changes")
            .where("version = 2")
            .first()
            .getTimestamp(1);
    assertSame(
        setup,
        "oracle_changes",
        from ->
            "SELECT id, v, _change_type, _commit_version FROM table_changes('"
                + from
                + "', '"
                + third
                + "') WHERE p = 1");
    assertCondition(
        "DELTA_FFI_INVALID_OPTION",
        () -> setup.session().sql("SELECT * FROM table_changes('ffi', 1.5)").collect());
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void refusesWritesAndTablesWithoutADeltaLog(SqlSessions setup) {
    create(setup);
    SparkSession spark = setup.session();
    assertCondition(
        "DELTA_FFI_READ_ONLY", () -> spark.sql("INSERT INTO ffi SELECT * FROM ffi").collect());
    for (String write :
        List.of(
            "DELETE FROM ffi WHERE id = 1",
            "UPDATE ffi SET id = 1",
            "MERGE INTO ffi t USING ffi s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "UPDATE ffi AS u SET id = 1",
            "TRUNCATE TABLE ffi",
            "RESTORE TABLE ffi TO VERSION AS OF 0")) {
      assertCondition("DELTA_FFI_READ_ONLY", () -> spark.sql(write).collect());
    }
    assertCondition(
        "DELTA_FFI_READ_ONLY",
        () -> spark.sql("ALTER TABLE ffi SET TBLPROPERTIES ('delta.appendOnly' = 'true')"));
    assertCondition(
        "DELTA_FFI_READ_ONLY", () -> spark.sql("ALTER TABLE ffi ADD COLUMNS (extra INT)"));
    assertCondition(
        "DELTA_FFI_READ_ONLY", () -> spark.sql("CREATE TABLE managed USING `delta-ffi`"));
    assertCondition(
        "DELTA_FFI_READ_ONLY",
        () -> spark.sql("CREATE TABLE copied USING `delta-ffi` AS SELECT * FROM ffi"));
    assertCondition(
        "DELTA_FFI_NOT_A_DELTA_TABLE",
        () ->
            spark.sql(
                "CREATE TABLE nothing USING `delta-ffi` LOCATION '" + dir.resolve("none") + "'"));
    assertTrue(!spark.catalog().tableExists("managed") && !spark.catalog().tableExists("nothing"));
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void dropTableLeavesTheData(SqlSessions setup) throws Exception {
    create(setup);
    setup.session().sql("DROP TABLE ffi");
    assertTrue(Files.isDirectory(Path.of(table, "_delta_log")));
    assertEquals(30, TestSpark.session().read().format("delta-ffi").load(table).count());
  }

  @ParameterizedTest
  @MethodSource("dev.deltaffi.sql.SqlSessions#both")
  void streamsAsDeltaSparkStreamsItsTable(SqlSessions setup) throws Exception {
    create(setup);
    Map<String, String> options = Map.of("maxFilesPerTrigger", "2");
    Dataset<Row> expected = streamToEnd(TestSpark.session(), "oracle", options);
    Dataset<Row> streamed = streamToEnd(setup.session(), "ffi", options);
    assertSameAnswer(
        expected,
        TestSpark.session().createDataFrame(streamed.collectAsList(), streamed.schema()),
        "readStream.table");
  }

  /** What {@code readStream.table(name)} reads, run to its end into a memory sink. */
  private static Dataset<Row> streamToEnd(
      SparkSession spark, String name, Map<String, String> options) throws Exception {
    String sink = name + "_stream";
    Streams.runToEnd(spark.readStream().options(options).table(name), sink);
    return spark.table(sink);
  }

  /** The statement on delta-ffi's table answers as on delta-spark's table of the same location. */
  private static void assertSame(SqlSessions setup, Function<String, String> statement) {
    assertSame(setup, "oracle", statement);
  }

  /** As above, on delta-spark's table {@code oracle}. */
  private static void assertSame(
      SqlSessions setup, String oracle, Function<String, String> statement) {
    String ffi = statement.apply("ffi");
    assertSameAnswer(TestSpark.session().sql(statement.apply(oracle)), setup.sql(ffi), ffi);
  }

  /** DESCRIBE TABLE EXTENDED as field name to value (first value of a repeated name). */
  private static Map<String, String> describe(SparkSession spark, String name) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (Row row : spark.sql("DESCRIBE TABLE EXTENDED " + name).collectAsList()) {
      fields.putIfAbsent(row.getString(0), row.getString(1));
    }
    return fields;
  }

  /** The columns DESCRIBE TABLE lists under "# Partition Information". */
  private static List<String> partitionColumns(SparkSession spark, String name) {
    List<String> rows =
        spark.sql("DESCRIBE TABLE " + name).collectAsList().stream()
            .map(row -> row.getString(0))
            .toList();
    int start = rows.indexOf("# col_name") + 1;
    return rows.subList(start, rows.size()).stream().takeWhile(c -> !c.isEmpty()).toList();
  }

  private static void assertCondition(
      String condition, org.junit.jupiter.api.function.Executable statement) {
    AnalysisException e = assertThrows(AnalysisException.class, statement);
    assertEquals(condition, e.getCondition(), e.getMessage());
  }
}
