package dev.deltaffi.objectstore;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.deltaffi.objectstore.S3Request.Kind;
import dev.deltaffi.spark.KernelEngines;
import dev.deltaffi.testing.NativeHandleLeakCheck;
import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object-store economy: the same cold reads of tables on S3 (moto's S3 API server on loopback,
 * through S3A) with {@code format("delta-ffi")} and with delta-spark, counting the requests the
 * server received (LIST, HEAD, GET, ...). delta-ffi must return delta-spark's rows and make no more
 * requests in all than delta-spark does; both counts and the objects the two requested differently
 * are printed, and a failure lists every request in order. With {@code
 * -Ddeltaffi.read.format=delta} delta-spark is compared with itself: the harness check that cold
 * reads count the same whatever ran before them.
 *
 * <p>Each read is cold: delta-spark's DeltaLog cache is cleared, delta-ffi keeps no snapshot
 * ({@link KernelEngines#SNAPSHOT_CACHE_SIZE_CONF} 0) and the S3A file system of the bucket is
 * closed (so a read pays for its own client, whatever ran before it).
 */
@ExtendWith(NativeHandleLeakCheck.class)
class S3RequestCountTest {

  @TempDir static Path dir;

  private static S3Server s3;
  private static SparkSession spark;

  /** The tables on S3, by name in the report. */
  private static final Map<String, String> TABLES = new LinkedHashMap<>();

  /** The reads compared on every table, by name in the report. */
  private static final Map<String, UnaryOperator<Dataset<Row>>> READS = new LinkedHashMap<>();

  static {
    READS.put("full read", df -> df);
    READS.put("where part = 1", df -> df.where("part = 1"));
  }

  @BeforeAll
  static void startServerAndUploadTables() {
    long start = System.nanoTime();
    s3 = S3Server.start(dir.resolve("s3-server"));
    spark = TestSpark.session();
    s3.s3aSettings().forEach(spark.conf()::set);
    spark.conf().set(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF, "0");
    long started = System.nanoTime();

    Path dv = writeWithDeletionVectors();
    Path checkpointed = writeWithCheckpoint();
    long written = System.nanoTime();
    TABLES.put("partitioned, deletion vectors", S3Server.upload(dv, "dv", hadoopConf()));
    TABLES.put(
        "checkpoint and commits after it",
        S3Server.upload(checkpointed, "checkpointed", hadoopConf()));
    System.out.printf(
        "S3A input stream: %s%n", hadoopConf().get("fs.s3a.input.stream.type", "(S3A's default)"));
    System.out.printf(
        "S3 server and Spark started in %d ms, tables written in %d ms, uploaded in %d ms%n",
        (started - start) / 1_000_000,
        (written - started) / 1_000_000,
        (System.nanoTime() - written) / 1_000_000);
  }

  @AfterAll
  static void stopServer() {
    try {
      if (spark != null) {
        S3Server.closeClients(hadoopConf());
        s3.s3aSettings().keySet().forEach(spark.conf()::unset);
        spark.conf().unset(KernelEngines.SNAPSHOT_CACHE_SIZE_CONF);
        DeltaLog.clearCache();
      }
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> deltaFfiMakesNoMoreRequestsThanDeltaSpark() {
    return TABLES.entrySet().stream()
        .flatMap(
            table ->
                READS.entrySet().stream()
                    .map(
                        read ->
                            dynamicTest(
                                table.getKey() + ": " + read.getKey(),
                                () -> compare(table.getKey(), table.getValue(), read))));
  }

  private static void compare(
      String tableName, String table, Map.Entry<String, UnaryOperator<Dataset<Row>>> read) {
    String context = tableName + ", " + read.getKey();
    Measured oracle = coldRead("delta", table, read.getValue());
    Measured underTest = coldRead(TestSpark.FORMAT_UNDER_TEST, table, read.getValue());
    assertSameAnswer(oracle.answer(), underTest.answer(), context);

    String counts =
        context
            + " ("
            + oracle.rows.size()
            + " rows)\n  delta-spark: "
            + S3Request.summary(oracle.requests)
            + "\n  "
            + String.format("%-13s", TestSpark.FORMAT_UNDER_TEST + ":")
            + S3Request.summary(underTest.requests)
            + "\n  objects requested differently (delta-spark | "
            + TestSpark.FORMAT_UNDER_TEST
            + "):\n"
            + differences(oracle.requests, underTest.requests);
    System.out.println("S3 requests, " + counts);
    assertTrue(
        underTest.requests.size() <= oracle.requests.size(),
        TestSpark.FORMAT_UNDER_TEST
            + " made more S3 requests than delta-spark: "
            + counts
            + "  more of: "
            + extraKinds(oracle.requests, underTest.requests)
            + "\n  "
            + TestSpark.FORMAT_UNDER_TEST
            + "'s requests in order:\n"
            + listing(underTest.requests)
            + "  delta-spark's requests in order:\n"
            + listing(oracle.requests));
  }

  /** One read of {@code table} with {@code format}, nothing cached before it. */
  private static Measured coldRead(String format, String table, UnaryOperator<Dataset<Row>> shape) {
    DeltaLog.clearCache();
    S3Server.closeClients(hadoopConf());
    s3.reset();
    Dataset<Row> df = shape.apply(spark.read().format(format).load(table));
    List<Row> rows = df.collectAsList();
    List<S3Request> requests = s3.requests();
    return new Measured(rows, df.schema(), requests);
  }

  private record Measured(List<Row> rows, StructType schema, List<S3Request> requests) {
    /** The rows read, as a local DataFrame: comparing them reads S3 no more. */
    Dataset<Row> answer() {
      return spark.createDataFrame(rows, schema);
    }
  }

  /** The kinds of which delta-ffi made more requests, with both counts. */
  private static String extraKinds(List<S3Request> oracle, List<S3Request> underTest) {
    Map<Kind, Long> expected = S3Request.counts(oracle);
    return S3Request.counts(underTest).entrySet().stream()
        .filter(e -> e.getValue() > expected.get(e.getKey()))
        .map(e -> e.getKey() + " " + e.getValue() + " vs " + expected.get(e.getKey()))
        .collect(Collectors.joining(", "));
  }

  private static String listing(List<S3Request> requests) {
    return requests.stream().map(r -> "    " + r + "\n").collect(Collectors.joining());
  }

  /**
   * Each object (key, or listed prefix) that the two reads requested a different number of times or
   * ways, with the requests of each by kind.
   */
  private static String differences(List<S3Request> oracle, List<S3Request> underTest) {
    Map<String, List<S3Request>> expected = byObject(oracle);
    Map<String, List<S3Request>> actual = byObject(underTest);
    TreeSet<String> objects = new TreeSet<>(expected.keySet());
    objects.addAll(actual.keySet());
    List<String[]> rows = new ArrayList<>();
    for (String object : objects) {
      String before = kinds(expected.getOrDefault(object, List.of()));
      String after = kinds(actual.getOrDefault(object, List.of()));
      if (!before.equals(after)) {
        rows.add(new String[] {object, before, after});
      }
    }
    if (rows.isEmpty()) {
      return "    (none)\n";
    }
    int objectWidth = rows.stream().mapToInt(r -> r[0].length()).max().getAsInt();
    int beforeWidth = rows.stream().mapToInt(r -> r[1].length()).max().getAsInt();
    return rows.stream()
        .map(
            r ->
                String.format(
                    "    %-" + objectWidth + "s  %-" + beforeWidth + "s | %s%n", r[0], r[1], r[2]))
        .collect(Collectors.joining());
  }

  private static Map<String, List<S3Request>> byObject(List<S3Request> requests) {
    return requests.stream().collect(Collectors.groupingBy(S3Request::object));
  }

  /** {@code HEAD 2, GET 1}: the kinds present, in {@link Kind} order. */
  private static String kinds(List<S3Request> requests) {
    String text =
        S3Request.counts(requests).entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "));
    return text.isEmpty() ? "-" : text;
  }

  private static Configuration hadoopConf() {
    return ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().newHadoopConf();
  }

  /**
   * Partitioned by {@code part}, deletion vectors on: two commits of two files per partition, then
   * a DELETE of a quarter of the rows, which writes a deletion vector for each file.
   */
  private static Path writeWithDeletionVectors() {
    Path local = writeCommits("dv", 2, 60, "delta.enableDeletionVectors", "true");
    spark.sql("DELETE FROM delta.`" + local + "` WHERE id % 4 = 0");
    assertTrue(hasFile(local, "deletion_vector_"), "the DELETE wrote no deletion vector");
    return local;
  }

  /**
   * Partitioned by {@code part}, a checkpoint every third version: six commits, so version 3 is
   * checkpointed and versions 4 and 5 are read from their commits. (With one commit after the
   * checkpoint delta-ffi's extra HEADs and the listing delta-spark makes more would cancel out.)
   */
  private static Path writeWithCheckpoint() {
    Path local = writeCommits("checkpointed", 6, 20, "delta.checkpointInterval", "3");
    assertTrue(
        Files.exists(local.resolve("_delta_log/00000000000000000003.checkpoint.parquet")),
        "no checkpoint at version 3");
    return local;
  }

  /**
   * Writes table {@code name}, partitioned by {@code part}, in {@code commits} commits of {@code
   * rowsPerCommit} consecutive ids each, with the table property {@code key} = {@code value}.
   */
  private static Path writeCommits(
      String name, int commits, long rowsPerCommit, String key, String value) {
    Path local = dir.resolve(name);
    for (int commit = 0; commit < commits; commit++) {
      rows(commit * rowsPerCommit, rowsPerCommit)
          .write()
          .format("delta")
          .mode(commit == 0 ? "errorifexists" : "append")
          .partitionBy("part")
          .option(key, value)
          .save(local.toString());
    }
    return local;
  }

  /**
   * Rows {@code from} to {@code from + count - 1} in two tasks of consecutive ids, so that every
   * run writes the same files (one per task and partition) and makes the same requests.
   */
  private static Dataset<Row> rows(long from, long count) {
    return spark
        .range(from, from + count, 1, 2)
        .selectExpr("id", "concat('row-', id) AS name", "CAST(id % 3 AS INT) AS part");
  }

  private static boolean hasFile(Path root, String prefix) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
