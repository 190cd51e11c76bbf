package dev.deltaffi.clients;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's PySpark example, taken from README.md and run with {@code python3} on pip's pyspark
 * of the pom's Spark version, as a user runs it: from the clone's root, the jar in {@code
 * spark.jars}, the table as its argument. The rows it prints are delta-spark's rows of the same
 * table, and the error it shows is PySpark's {@code AnalysisException} with delta-ffi's condition
 * and a one-line message.
 */
class PySparkClientTest {

  private static final String START = "<!-- pyspark-example -->";
  private static final String END = "<!-- /pyspark-example -->";
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
  private static final String ERROR_PREFIX = "AnalysisException: ";

  @TempDir Path dir;

  @Test
  void readmeExampleReadsTheSampleTable() throws IOException {
    PySparkDistribution pyspark = PySparkDistribution.get();
    String example = readmeExample();
    assertJarIsThisBuilds(example);
    Path script = Files.writeString(dir.resolve("example.py"), example);

    long start = System.nanoTime();
    Subprocess python =
        Subprocess.run(
            "readme-pyspark-example",
            List.of(PySparkDistribution.PYTHON, script.toString(), "examples/sample-table"),
            PySparkDistribution.ROOT,
            pyspark.environment(),
            dir.resolve("logs"),
            RUN_TIMEOUT);
    System.out.printf(
        "README PySpark example ran in %d s%n",
        Duration.ofNanos(System.nanoTime() - start).toSeconds());
    String report = python.report();
    String everything = python.stdout() + python.stderr();
    assertFalse(everything.contains("Py4JJavaError"), "PySpark showed a Py4JJavaError\n" + report);
    assertFalse(everything.contains("Traceback"), "the example raised\n" + report);

    List<String> lines = python.stdout().lines().toList();
    List<String> jsonRows = lines.stream().filter(line -> line.startsWith("{")).toList();
    String table = PySparkDistribution.ROOT.resolve("examples/sample-table").toString();
    Dataset<Row> expected = TestSpark.readOracle(table, OptionalLong.empty());
    assertEquals(expected.count(), jsonRows.size(), "rows printed\n" + report);
    Dataset<Row> printed =
        TestSpark.session()
            .read()
            .schema(expected.schema())
            .option("mode", "FAILFAST")
            .json(TestSpark.session().createDataset(jsonRows, Encoders.STRING()));
    assertSameAnswer(expected, printed, "rows the README's PySpark example printed");
    Pattern idField = Pattern.compile("\"id\": (\\d+)[,}]");
    List<Long> ids =
        jsonRows.stream()
            .map(idField::matcher)
            .filter(Matcher::find)
            .map(m -> Long.parseLong(m.group(1)))
            .toList();
    assertEquals(jsonRows.size(), ids.size(), "rows printed with an id\n" + report);
    assertEquals(ids.stream().sorted().toList(), ids, "rows printed in id order\n" + report);

    // The error comes last: its condition, then the exception, whose message is one line (a
    // message spread over lines, or a JVM stack trace, would leave lines after it).
    assertTrue(lines.size() >= 2, report);
    assertEquals("DELTA_FFI_NOT_A_DELTA_TABLE", lines.get(lines.size() - 2), report);
    String error = lines.get(lines.size() - 1);
    assertTrue(
        error.startsWith(ERROR_PREFIX + "[DELTA_FFI_NOT_A_DELTA_TABLE] "),
        "the last line should be the AnalysisException\n" + report);
    assertTrue(
        error.contains("/examples/sample-table/country=DE")
            && error.contains("is not a Delta table")
            && error.endsWith("SQLSTATE: 42P01"),
        "the message should name the folder and the cause: " + error);
  }

  /** The python block between the README's markers. */
  private static String readmeExample() throws IOException {
    String readme = Files.readString(PySparkDistribution.ROOT.resolve("README.md"));
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    if (start < 0 || end < start) {
      fail("README.md has no block between " + START + " and " + END);
    }
    Matcher block =
        Pattern.compile("\\A\\s*```python\\n(.*?)```\\s*\\z", Pattern.DOTALL)
            .matcher(readme.substring(start + START.length(), end));
    if (!block.matches()) {
      fail("between " + START + " and " + END + " README.md should hold one ```python block");
    }
    return block.group(1);
  }

  /** The jar the example puts in spark.jars, from the clone's root, is the one this build made. */
  private static void assertJarIsThisBuilds(String example) {
    Matcher jar = Pattern.compile("\"spark\\.jars\",\\s*\"([^\"]+)\"").matcher(example);
    assertTrue(jar.find(), "the example should set spark.jars");
    assertEquals(
        PySparkDistribution.DELTA_FFI_JAR,
        PySparkDistribution.ROOT.resolve(jar.group(1)).normalize(),
        "the jar the README's example names");
  }
}
