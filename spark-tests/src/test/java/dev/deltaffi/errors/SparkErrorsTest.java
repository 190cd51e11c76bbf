package dev.deltaffi.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures leave delta-ffi as Spark errors, as delta-spark's do: an {@link AnalysisException} (what
 * PySpark turns into its own {@code AnalysisException}) with an error condition and SQLSTATE, and a
 * one-line message naming the table, the version and the cause.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class SparkErrorsTest {

  @TempDir Path dir;

  @Test
  void locationsThatHoldNoDeltaTable() throws IOException {
    Path missing = dir.resolve("no-such-table");
    Path file = Files.writeString(dir.resolve("a-file.parquet"), "not a table");
    Path noLog = Files.createDirectories(dir.resolve("plain-folder"));
    Path emptyLog = Files.createDirectories(dir.resolve("empty-log").resolve("_delta_log"));
    assertNotADeltaTable(missing, "the path does not exist");
    assertNotADeltaTable(file, "it is a file");
    assertNotADeltaTable(noLog, "it has no _delta_log directory");
    assertNotADeltaTable(emptyLog.getParent(), "its _delta_log has no commit");
  }

  @Test
  void versionPastTheLatest() {
    String table = TestTables.writeSmall(dir.resolve("two-versions"), 2);
    AnalysisException ffi =
        sparkError(() -> TestSpark.readUnderTest(table, OptionalLong.of(7)).collect());
    assertEquals("DELTA_FFI_VERSION_NOT_FOUND", ffi.getCondition());
    assertEquals("22003", ffi.getSqlState());
    assertOneLineNaming(ffi, table, "7");
    sparkError(() -> TestSpark.readOracle(table, OptionalLong.of(7)).collect());
  }

  @Test
  void unsupportedAndInvalidOptions() {
    String table = TestTables.writeSmall(dir.resolve("options"), 1);
    SparkSession spark = TestSpark.session();
    AnalysisException unsupported =
        sparkError(
            () -> spark.read().format("delta-ffi").option("maxFilesPerTrigger", "1").load(table));
    assertEquals("DELTA_FFI_UNSUPPORTED_OPTION", unsupported.getCondition());
    assertOneLineNaming(unsupported, "maxFilesPerTrigger", table);
    AnalysisException noStart =
        sparkError(
            () -> spark.read().format("delta-ffi").option("readChangeFeed", "true").load(table));
    assertEquals("DELTA_FFI_INVALID_OPTION", noStart.getCondition());
    assertOneLineNaming(noStart, "startingVersion", table);
    AnalysisException invalid =
        sparkError(() -> spark.read().format("delta-ffi").option("versionAsOf", "-1").load(table));
    assertEquals("DELTA_FFI_INVALID_OPTION", invalid.getCondition());
    assertEquals("42K06", invalid.getSqlState());
    assertOneLineNaming(invalid, "versionAsOf", "-1");
  }

  /** Writes fail as delta-ffi's refusal, whether the table exists or not, and change nothing. */
  @Test
  void writesAreRefused() {
    SparkSession spark = TestSpark.session();
    String existing = TestTables.writeSmall(dir.resolve("existing"), 1);
    long rows = TestSpark.readOracle(existing, OptionalLong.empty()).count();
    for (String mode : new String[] {"append", "overwrite", "errorifexists"}) {
      AnalysisException refused =
          sparkError(() -> spark.range(5).write().format("delta-ffi").mode(mode).save(existing));
      assertEquals("DELTA_FFI_READ_ONLY", refused.getCondition(), mode);
      assertOneLineNaming(refused, "read-only", existing);
    }
    assertEquals(rows, TestSpark.readOracle(existing, OptionalLong.empty()).count());

    Path fresh = dir.resolve("fresh");
    AnalysisException refused =
        sparkError(() -> spark.range(5).write().format("delta-ffi").save(fresh.toString()));
    assertEquals("DELTA_FFI_READ_ONLY", refused.getCondition());
    assertFalse(Files.exists(fresh), "nothing is written");
  }

  private static void assertNotADeltaTable(Path location, String reason) {
    AnalysisException ffi =
        sparkError(() -> TestSpark.readUnderTest(location.toString(), OptionalLong.empty()));
    assertEquals("DELTA_FFI_NOT_A_DELTA_TABLE", ffi.getCondition(), ffi.getMessage());
    assertEquals("42P01", ffi.getSqlState());
    assertOneLineNaming(ffi, location.toString(), "is not a Delta table", reason);
    // delta-spark fails with an AnalysisException too (its own condition).
    sparkError(() -> TestSpark.readOracle(location.toString(), OptionalLong.empty()).collect());
  }

  private static AnalysisException sparkError(Executable read) {
    return assertThrows(AnalysisException.class, read);
  }

  private static void assertOneLineNaming(AnalysisException e, String... named) {
    String message = e.getMessage();
    assertFalse(message.contains("\n"), "one line: " + message);
    assertTrue(message.startsWith("[" + e.getCondition() + "] "), message);
    assertTrue(message.endsWith("SQLSTATE: " + e.getSqlState()), message);
    assertFalse(message.contains("Generic error"), message);
    for (String name : named) {
      assertTrue(message.contains(name), "'" + name + "' in: " + message);
    }
  }
}
