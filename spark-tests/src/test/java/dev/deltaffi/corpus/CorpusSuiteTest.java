package dev.deltaffi.corpus;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static dev.deltaffi.testing.DataFrameAssert.quoted;
import static dev.deltaffi.testing.ErrorAssert.assertFailsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deltaffi.kernel.KernelSnapshot;
import dev.deltaffi.kernel.ScanFileInfo;
import dev.deltaffi.spark.KernelEngines;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.Placement;
import dev.deltaffi.testing.TestSpark;
import dev.deltaffi.testing.TestTables;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every read of the shared corpus (tables written by Delta Lake's Spark writer and delta-rs, with
 * the rows a correct reader returns), through the format under test, once with each log replay: in
 * process (the default for these small logs) and as phases run on Spark.
 */
@ExtendWith(NativeHandleLeakCheck.class)
class CorpusSuiteTest {

  @TestFactory
  Stream<DynamicNode> corpus() {
    String shared = System.getProperty("deltaffi.shared.dir");
    Path corpus = shared == null ? null : Path.of(shared, "corpus");
    assumeTrue(
        corpus != null && Files.isRegularFile(corpus.resolve("manifest.json")),
        "no shared corpus (system property deltaffi.shared.dir)");
    List<CorpusCase> cases = CorpusCase.load(corpus);
    return Stream.of(Placement.values())
        .map(
            placement ->
                DynamicContainer.dynamicContainer(
                    "placement " + placement,
                    cases.stream()
                        .flatMap(
                            c ->
                                c.reads().stream()
                                    .map(
                                        r ->
                                            DynamicTest.dynamicTest(
                                                c.name() + " [" + r.id() + "]",
                                                () ->
                                                    placement.during(
                                                        TestSpark.session(), () -> run(c, r)))))));
  }

  @TempDir static Path copies;

  private static void run(CorpusCase c, CorpusCase.Read read) throws IOException {
    CorpusClassifier.deferral(c).ifPresent(reason -> abort(c.name() + " " + reason));
    String context = c.name() + " [" + read.id() + "]";
    Path table = CorpusClassifier.hasStaleHadoopChecksums(c) ? copyWithoutChecksums(c) : c.table();
    if (read.expectedError() != null) {
      // The error must at least say which table: the case folder is part of its path.
      assertFailsNaming(() -> query(table, read).collectAsList(), c.dir().getFileName().toString());
    } else if (read.expected() != null && read.expected().endsWith(".txt")) {
      // A pretty-printed expectation (variants shown as binary structs) does not load as rows:
      // the rows are compared with delta-spark's reading of the same table, and counted.
      Dataset<Row> oracle = shape(TestSpark.readOracle(table.toString(), read.version()), read);
      assertSameAnswer(oracle, query(table, read), context);
      assertEquals(read.rowCount().orElseThrow(), query(table, read).count(), context + " rows");
    } else if (read.expected() != null) {
      SparkSession spark = TestSpark.session();
      Dataset<Row> expected = spark.read().parquet(c.dir().resolve(read.expected()).toString());
      assertSameAnswer(CorpusClassifier.expectedRows(c, expected), query(table, read), context);
    } else if (read.expectedVersion().isPresent() || read.expectedLiveFiles().isPresent()) {
      checkLogReplay(c, table, read);
    } else if (read.rowCount().isPresent()) {
      assertEquals(read.rowCount().getAsLong(), query(table, read).count(), context + " row count");
    } else if (CorpusClassifier.liveFilesStatedInNote(c).isPresent()) {
      checkStatedLiveFiles(c, table, CorpusClassifier.liveFilesStatedInNote(c).get());
    } else {
      abort(c.name() + " records no expectation for read " + read.id());
    }
  }

  private static Dataset<Row> query(Path table, CorpusCase.Read read) {
    return shape(TestSpark.readUnderTest(table.toString(), read.version()), read);
  }

  /** The read's projection and filter applied to a table. */
  private static Dataset<Row> shape(Dataset<Row> df, CorpusCase.Read read) {
    if (read.columns() != null) {
      df =
          df.select(
              read.columns().stream()
                  .map(name -> functions.col(quoted(name)))
                  .toArray(Column[]::new));
    }
    return read.predicate() == null ? df : df.filter(read.predicate());
  }

  /** The live files (names, stated modification times) a log-only case's note gives. */
  private static void checkStatedLiveFiles(
      CorpusCase c, Path table, List<CorpusClassifier.StatedFile> stated) {
    assumeTrue(
        TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"),
        "log replay checks need the kernel facade");
    SparkSession spark = TestSpark.session();
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(
            KernelEngines.of(spark), table.toUri().toString(), OptionalLong.empty())) {
      Map<String, Long> live = new TreeMap<>();
      for (ScanFileInfo file : snapshot.planScan(KernelEngines.of(spark), null, null).files()) {
        live.put(
            Path.of(URI.create(file.location())).getFileName().toString(), file.modificationTime());
      }
      assertEquals(
          stated.stream()
              .map(CorpusClassifier.StatedFile::name)
              .collect(Collectors.toCollection(TreeSet::new)),
          live.keySet(),
          c.name() + " live files");
      for (CorpusClassifier.StatedFile file : stated) {
        if (file.modificationTime() != null) {
          assertEquals(
              file.modificationTime(), live.get(file.name()), c.name() + " " + file.name());
        }
      }
    }
  }

  /** Tables whose data files are placeholders: the kernel's log replay is checked directly. */
  private static void checkLogReplay(CorpusCase c, Path table, CorpusCase.Read read) {
    assumeTrue(
        TestSpark.FORMAT_UNDER_TEST.equals("delta-ffi"),
        "log replay checks need the kernel facade");
    SparkSession spark = TestSpark.session();
    String uri = table.toUri().toString();
    try (KernelSnapshot snapshot =
        KernelSnapshot.load(KernelEngines.of(spark), uri, read.version())) {
      if (read.expectedVersion().isPresent()) {
        assertEquals(read.expectedVersion().getAsLong(), snapshot.version(), c.name() + " version");
      }
      if (read.expectedLiveFiles().isPresent()) {
        assertEquals(
            read.expectedLiveFiles().getAsLong(),
            snapshot.planScan(KernelEngines.of(spark), null, null).files().size(),
            c.name() + " live files");
      }
    }
  }

  /** A copy of the case's table without Hadoop checksum sidecars ({@code .name.crc}). */
  private static Path copyWithoutChecksums(CorpusCase c) throws IOException {
    Path copy = copies.resolve(c.name());
    return Files.exists(copy)
        ? copy
        : TestTables.copy(c.table(), copy, name -> name.startsWith(".") && name.endsWith(".crc"));
  }
}
