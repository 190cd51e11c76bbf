package dev.deltaffi.clients;

import static dev.deltaffi.testing.DataFrameAssert.assertSameAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaffi.testing.TestSpark;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster from pip's pyspark: a Master and a Worker, each its own JVM started by
 * the distribution's {@code bin/spark-class}, bound to 127.0.0.1. The distribution's {@code
 * bin/spark-submit --jars <delta-ffi jar>} runs a Python application on it that reads tables with
 * {@code format("delta-ffi")} (the reads run in the Worker's executor JVM, which gets the jar and
 * its native library from the driver) and writes their rows as Parquet; those rows are
 * delta-spark's rows of the same tables.
 */
class StandaloneClusterTest {

  private static final Duration MASTER_WAIT = Duration.ofMinutes(2);
  private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(6);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private static PySparkDistribution pyspark;
  private static Map<String, String> env;
  private static Path logs;
  private static Path workerDir;
  private static Subprocess master;
  private static Subprocess worker;
  private static int masterPort;
  private static int masterUiPort;

  @BeforeAll
  static void startCluster() throws IOException {
    pyspark = PySparkDistribution.get();
    logs = Files.createDirectories(dir.resolve("logs"));
    workerDir = Files.createDirectories(dir.resolve("worker"));
    env = pyspark.environment();
    env.put("SPARK_LOG_DIR", logs.toString());
    env.put("SPARK_WORKER_DIR", workerDir.toString());
    env.put("SPARK_PID_DIR", Files.createDirectories(dir.resolve("pids")).toString());
    env.put("SPARK_CONF_DIR", Files.createDirectories(dir.resolve("conf")).toString());
    env.put("SPARK_DAEMON_MEMORY", "512m");
    // The REST submission server would take the fixed port 6066.
    env.put("SPARK_MASTER_OPTS", "-Dspark.master.rest.enabled=false");

    masterPort = freePort();
    masterUiPort = freePort();
    master =
        Subprocess.start(
            "master",
            List.of(
                pyspark.bin("spark-class").toString(),
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(masterPort),
                "--webui-port",
                Integer.toString(masterUiPort)),
            dir,
            env,
            logs);
    awaitMaster("the master to be ALIVE", state -> "ALIVE".equals(state.path("status").asText()));
    worker =
        Subprocess.start(
            "worker",
            List.of(
                pyspark.bin("spark-class").toString(),
                "org.apache.spark.deploy.worker.Worker",
                masterUrl(),
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
                "--webui-port",
                Integer.toString(freePort())),
            dir,
            env,
            logs);
    awaitMaster("the worker to register", state -> state.path("aliveworkers").asInt() >= 1);
  }

  @AfterAll
  static void stopCluster() {
    if (worker != null) {
      worker.destroyTree();
    }
    if (master != null) {
      master.destroyTree();
    }
  }

  @Test
  void clusterReadsWhatDeltaSparkReads() throws IOException {
    String sample = PySparkDistribution.ROOT.resolve("examples/sample-table").toString();
    String dvs = writePartitionedWithDeletionVectors(dir.resolve("dvs"));
    List<String> tables = List.of(sample, dvs, dvs + "@v0");
    List<OptionalLong> versions =
        List.of(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.of(0));

    Path app = dir.resolve("read_tables.py");
    try (InputStream in = StandaloneClusterTest.class.getResourceAsStream("read_tables.py")) {
      Files.copy(in, app);
    }
    Path out = dir.resolve("out");
    List<String> submit =
        new ArrayList<>(
            List.of(
                pyspark.bin("spark-submit").toString(),
                "--master",
                masterUrl(),
                "--jars",
                PySparkDistribution.DELTA_FFI_JAR.toString(),
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.sql.shuffle.partitions=2",
                "--conf",
                "spark.executor.memory=1g",
                app.toString(),
                out.toString()));
    submit.addAll(tables);
    long start = System.nanoTime();
    Subprocess driver = Subprocess.start("spark-submit", submit, dir, env, logs);
    driver.awaitSuccess(SUBMIT_TIMEOUT, StandaloneClusterTest::clusterLogs);
    System.out.printf(
        "spark-submit on the standalone cluster ran in %d s%n",
        Duration.ofNanos(System.nanoTime() - start).toSeconds());

    // It ran on the cluster: the master knows the application as finished, and the worker
    // launched an executor for it.
    Matcher id = Pattern.compile("application (app-\\S+) master (\\S+)").matcher(driver.stdout());
    assertTrue(id.find(), "the application should print its id\n" + driver.report());
    String appId = id.group(1);
    assertEquals(masterUrl(), id.group(2), "the application's master");
    awaitMaster(
        appId + " to be a finished application of the master",
        state -> {
          for (JsonNode done : state.path("completedapps")) {
            if (appId.equals(done.path("id").asText())
                && "FINISHED".equals(done.path("state").asText())) {
              return true;
            }
          }
          return false;
        });
    assertTrue(
        Files.isDirectory(workerDir.resolve(appId)),
        "the worker should have run an executor for " + appId);

    SparkSession spark = TestSpark.session();
    for (int i = 0; i < tables.size(); i++) {
      assertSameAnswer(
          TestSpark.readOracle(tables.get(i).replaceFirst("@v\\d+$", ""), versions.get(i)),
          spark.read().parquet(out.resolve(Integer.toString(i)).toString()),
          "rows the cluster read from " + tables.get(i));
    }
  }

  /**
   * A table partitioned by {@code part}, several files per partition; version 1 deletes a quarter
   * of the rows with deletion vectors, which the log must show.
   */
  private static String writePartitionedWithDeletionVectors(Path path) throws IOException {
    SparkSession spark = TestSpark.session();
    String table = path.toString();
    spark
        .range(0, 600)
        .selectExpr(
            "id",
            "concat('label-', id) AS label",
            "CAST(id * 0.5 AS DECIMAL(12, 2)) AS amount",
            "CAST(id % 3 AS INT) AS part")
        .repartition(3)
        .write()
        .format("delta")
        .partitionBy("part")
        .option("delta.enableDeletionVectors", "true")
        .save(table);
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id % 4 = 0");
    int withDeletionVectors = 0;
    Path commit = path.resolve("_delta_log").resolve(String.format("%020d.json", 1));
    for (String line : Files.readAllLines(commit)) {
      JsonNode add = JSON.readTree(line).path("add");
      if (add.hasNonNull("deletionVector")) {
        withDeletionVectors++;
      }
    }
    assertTrue(withDeletionVectors >= 3, "version 1 should add files with deletion vectors");
    return table;
  }

  private static String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** The master's state, from its web UI's JSON. */
  private static JsonNode masterState() throws IOException {
    return JSON.readTree(URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL());
  }

  /** Polls the master's state until {@code ready}; a timeout or a dead process fails with logs. */
  private static void awaitMaster(String what, Predicate<JsonNode> ready) {
    long deadline = System.nanoTime() + MASTER_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Subprocess process : Stream.of(master, worker).filter(p -> p != null).toList()) {
        if (!process.isAlive()) {
          fail("waiting for " + what + ": a cluster process exited\n" + process.report());
        }
      }
      try {
        if (ready.test(masterState())) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    StringBuilder report = new StringBuilder();
    for (Subprocess process : Stream.of(master, worker).filter(p -> p != null).toList()) {
      report.append(process.report());
    }
    fail("no " + what + " within " + MASTER_WAIT + "\n" + report);
  }

  /** The master's and worker's output and every executor's, for a failure's message. */
  private static List<Path> clusterLogs() {
    List<Path> files = new ArrayList<>();
    for (String name : List.of("master", "worker")) {
      files.add(logs.resolve(name + ".out"));
      files.add(logs.resolve(name + ".err"));
    }
    try (Stream<Path> executorFiles = Files.walk(workerDir)) {
      executorFiles
          .filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().matches("stdout|stderr"))
          .forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
