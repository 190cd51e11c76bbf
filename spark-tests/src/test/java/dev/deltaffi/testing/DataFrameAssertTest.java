package dev.deltaffi.testing;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The comparison every suite relies on must see the differences that matter, and only those. */
class DataFrameAssertTest {

  private static Dataset<Row> sql(String query) {
    return TestSpark.session().sql(query);
  }

  @Test
  void rowOrderAndNullabilityDoNotMatter() {
    assertSameAnswer(
        sql("SELECT * FROM VALUES (1, 'a'), (2, NULL) AS t(id, name)"),
        sql(
            "SELECT CAST(id AS INT) AS id, name FROM VALUES (2, NULL), (1, 'a') AS t(id, name)"
                + " WHERE id IS NOT NULL"),
        "reordered");
  }

  @Test
  void duplicatesCount() {
    assertThrows(
        AssertionFailedError.class,
        () ->
            assertSameAnswer(
                sql("SELECT * FROM VALUES (1), (1), (2) AS t(id)"),
                sql("SELECT * FROM VALUES (1), (2), (2) AS t(id)"),
                "duplicates"));
  }

  @Test
  void mapsCompareByEntries() {
    assertSameAnswer(
        sql("SELECT map('a', 1, 'b', 2) AS m, array(map('x', named_struct('v', map(1, 2)))) AS n"),
        sql("SELECT map('b', 2, 'a', 1) AS m, array(map('x', named_struct('v', map(1, 2)))) AS n"),
        "same maps");
    assertThrows(
        AssertionFailedError.class,
        () ->
            assertSameAnswer(
                sql("SELECT array(map('x', named_struct('v', map(1, 2)))) AS n"),
                sql("SELECT array(map('x', named_struct('v', map(1, 3)))) AS n"),
                "nested map value"));
  }

  @Test
  void nullStructIsNotStructOfNulls() {
    assertThrows(
        AssertionFailedError.class,
        () ->
            assertSameAnswer(
                sql("SELECT IF(true, NULL, named_struct('a', 1, 'm', map(1, 1))) AS s"),
                sql(
                    "SELECT named_struct('a', CAST(NULL AS INT), 'm', CAST(NULL AS MAP<INT, INT>))"
                        + " AS s"),
                "null struct"));
  }

  @Test
  void typesAndNamesMatter() {
    assertThrows(
        AssertionFailedError.class,
        () -> assertSameAnswer(sql("SELECT 1 AS id"), sql("SELECT 1L AS id"), "type"));
    assertThrows(
        AssertionFailedError.class,
        () -> assertSameAnswer(sql("SELECT 1 AS id"), sql("SELECT 1 AS ID2"), "name"));
  }
}
