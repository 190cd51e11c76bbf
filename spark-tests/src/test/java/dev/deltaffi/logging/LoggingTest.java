package dev.deltaffi.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a read writes to the log (issue 14): one INFO line per snapshot load and per scan plan under
 * {@code dev.deltaffi}, the kernel's and the native events only when DEBUG is on.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class LoggingTest {
  private static final String LOGGERS = "dev.deltaffi";

  @TempDir static Path dir;

  private static String table;

  private final Capture capture = new Capture();

  /** Two commits of 8 files each: ids in 4 ranges of 10 per commit, each split by {@code part}. */
  @BeforeAll
  static void writeTable() {
    SparkSession spark = TestSpark.session();
    table = dir.resolve("logged").toString();
    for (long start : new long[] {0, 40}) {
      spark
          .range(start, start + 40)
          .selectExpr("id", "CAST(id % 2 AS INT) AS part")
          .repartitionByRange(4, org.apache.spark.sql.functions.col("id"))
          .write()
          .format("delta")
          .mode("append")
          .partitionBy("part")
          .save(table);
    }
  }

  @BeforeEach
  void attach() {
    capture.start();
    logger().addAppender(capture);
  }

  @AfterEach
  void detach() {
    Configurator.setLevel(LOGGERS, Level.INFO);
    logger().removeAppender(capture);
    capture.stop();
  }

  private static Logger logger() {
    return (Logger) LogManager.getLogger(LOGGERS);
  }

  /** Partition pruning (part = 1) and statistics skipping (id < 10) together: 1 file of 16. */
  private static Dataset<Row> selective() {
    return TestSpark.readUnderTest(table, OptionalLong.empty()).where("part = 1 AND id < 10");
  }

  private static long read() {
    return selective().count();
  }

  @Test
  void explainCountsWhatTheKernelPrunedByPartitionAndStatistics() {
    String explain = selective().queryExecution().executedPlan().toString();
    assertTrue(explain.contains(Placement.filesSelected(1, 16)), explain);
  }

  @Test
  void aReadLogsOneInfoLinePerSnapshotAndScan() {
    assertEquals(5, read());
    List<String> info = capture.messages(Level.INFO);
    String root = "file://" + table + "/";
    List<String> snapshots =
        info.stream().filter(m -> m.startsWith("snapshot loaded of " + root)).toList();
    assertTrue(!snapshots.isEmpty(), info.toString());
    for (String line : snapshots) {
      assertTrue(line.contains(" version 1: no checkpoint + 2 commits"), line);
      assertTrue(line.contains("protocol and metadata replayed "), line);
      assertTrue(line.matches(".*; [0-9.]+ ms$"), line);
    }
    List<String> scans =
        info.stream().filter(m -> m.startsWith("scan of " + root + " version 1: ")).toList();
    assertEquals(1, scans.size(), info.toString());
    String scan = scans.get(0);
    if (Placement.ofThisRun() == Placement.IN_PROCESS) {
      assertTrue(scan.contains(": 1 of 16 add actions kept, 15 pruned by the predicate;"), scan);
      assertTrue(scan.contains("live files replayed in process ("), scan);
    } else {
      assertTrue(scan.contains(": 1 files kept (counted from the Spark job);"), scan);
      assertTrue(scan.contains("live files replayed on Spark ("), scan);
    }
    assertTrue(scan.contains("predicate {"), scan);
    assertEquals(List.of(), capture.messages(Level.DEBUG), "DEBUG is off");
  }

  @Test
  void debugLinesAppearOnlyWhileDebugIsOn() {
    Configurator.setLevel(LOGGERS, Level.DEBUG);
    read();
    List<String> debug = capture.messages(Level.DEBUG);
    assertTrue(
        debug.stream().anyMatch(m -> m.startsWith("[delta_ffi::bridge::jvm_store] listed ")),
        "the native I/O calls: " + debug);
    assertTrue(
        capture.events.stream()
            .anyMatch(
                e ->
                    e.level == Level.DEBUG
                        && e.logger.equals("dev.deltaffi.kernel")
                        && e.message.startsWith("[delta_kernel")),
        "the kernel's own events: " + debug);

    Configurator.setLevel(LOGGERS, Level.INFO);
    capture.events.clear();
    read();
    assertEquals(List.of(), capture.messages(Level.DEBUG), "DEBUG is off again");
    assertTrue(!capture.messages(Level.INFO).isEmpty());
  }

  /** A log4j2 appender keeping every event it gets. */
  private static final class Capture extends AbstractAppender {
    record Event(Level level, String logger, String message) {}

    final List<Event> events = new CopyOnWriteArrayList<>();

    Capture() {
      super("capture", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      events.add(
          new Event(
              event.getLevel(), event.getLoggerName(), event.getMessage().getFormattedMessage()));
    }

    List<String> messages(Level level) {
      return events.stream().filter(e -> e.level == level).map(Event::message).toList();
    }
  }
}
