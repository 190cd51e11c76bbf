package dev.deltaffi.io;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's I/O is engine-controlled: reading through a Hadoop scheme only the JVM knows ({@code
 * countingfs}) returns delta-spark's rows, and that file system served the log listing, the log
 * reads and the data file reads.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class EngineControlledIoTest {

  @Test
  void logAndDataGoThroughHadoopFileSystem(@TempDir java.nio.file.Path dir) {
    // Four commits: a checkpoint at version 2, then a commit the kernel must read as JSON.
    String table = TestTables.writeSmall(dir.resolve("table"), 4);
    List<String> dataFiles =
        Stream.of(TestSpark.readOracle(table, OptionalLong.empty()).inputFiles())
            .map(f -> new Path(f).getName())
            .toList();

    CountingFileSystem.reset();
    assertSameAnswer(
        TestSpark.readOracle(table, OptionalLong.empty()),
        TestSpark.readUnderTest(CountingFileSystem.SCHEME + "://" + table, OptionalLong.empty()),
        "read through " + CountingFileSystem.SCHEME);
    List<CountingFileSystem.Call> calls = CountingFileSystem.calls();

    assertServed(
        calls,
        "listStatus",
        p -> p.toUri().getPath().matches(".*/_delta_log/?"),
        "the log listing");
    assertServed(
        calls,
        "open",
        p -> p.getParent().getName().equals("_delta_log") && p.getName().endsWith(".json"),
        "a commit read");
    assertServed(
        calls,
        "open",
        p -> p.getParent().getName().equals("_delta_log") && p.getName().contains(".checkpoint."),
        "a checkpoint read");
    for (String dataFile : dataFiles) {
      assertServed(calls, "open", p -> p.getName().equals(dataFile), "data file " + dataFile);
    }
  }

  private static void assertServed(
      List<CountingFileSystem.Call> calls, String method, Predicate<Path> path, String what) {
    assertTrue(
        calls.stream().anyMatch(c -> c.method().equals(method) && path.test(c.path())),
        CountingFileSystem.SCHEME
            + " did not serve "
            + what
            + " ("
            + method
            + "); calls: "
            + calls);
  }
}
