package dev.deltaffi.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pip {@code pyspark} distribution of the pom's Spark version, which carries Spark's jars and
 * {@code bin/} scripts: installed by {@code python3 -m pip install --target} into a cache folder
 * that later runs reuse ({@code ~/.cache/delta-ffi/pyspark-VERSION}, or under {@code
 * deltaffi.pyspark.cache}). The install goes to a temporary folder renamed into place when pip
 * succeeds, so an interrupted one is never taken for a complete one.
 */
final class PySparkDistribution {

  /** The pom's {@code spark.version}. */
  static final String VERSION = required("deltaffi.spark.version");

  /** The self-contained delta-ffi jar this build made. */
  static final Path DELTA_FFI_JAR = Path.of(required("deltaffi.jar")).toAbsolutePath().normalize();

  /** The repository's root folder (README.md, examples/). */
  static final Path ROOT = Path.of(required("deltaffi.repo.dir")).toAbsolutePath().normalize();

  static final String PYTHON = System.getProperty("deltaffi.python", "python3");

  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration STALE_PARTIAL = Duration.ofDays(1);

  private static PySparkDistribution installed;

  /** The pip target: what goes on {@code PYTHONPATH}. */
  final Path pythonPath;

  private PySparkDistribution(Path pythonPath) {
    this.pythonPath = pythonPath;
  }

  /** The distribution, installed on the first call when the cache does not hold it yet. */
  static synchronized PySparkDistribution get() {
    if (installed == null) {
      if (!Files.isRegularFile(DELTA_FFI_JAR)) {
        fail("the delta-ffi jar " + DELTA_FFI_JAR + " is missing: the java module builds it");
      }
      Path cache =
          Path.of(
              System.getProperty(
                  "deltaffi.pyspark.cache",
                  Path.of(System.getProperty("user.home"), ".cache", "delta-ffi").toString()));
      Path target = cache.resolve("pyspark-" + VERSION);
      if (!Files.isDirectory(target)) {
        install(cache, target);
      }
      checkComplete(target);
      installed = new PySparkDistribution(target);
    }
    return installed;
  }

  /** Spark's home in the distribution: {@code bin/}, {@code jars/}, {@code sbin/}. */
  Path sparkHome() {
    return pythonPath.resolve("pyspark");
  }

  Path bin(String script) {
    return sparkHome().resolve("bin").resolve(script);
  }

  /**
   * The variables every Python and Spark process of the tests gets: this JVM's Java (Java 17, what
   * the suite runs on), the distribution on {@code PYTHONPATH} and as {@code SPARK_HOME}, and Spark
   * bound to the loopback address. Spark and PySpark settings of the calling shell are left out, so
   * that the tests see only what they pass.
   */
  Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.keySet().removeIf(name -> name.startsWith("SPARK_") || name.startsWith("PYSPARK_"));
    env.remove("PYTHONPATH");
    env.remove("PYTHONSTARTUP");
    String javaHome = System.getProperty("java.home");
    env.put("JAVA_HOME", javaHome);
    env.put("PATH", Path.of(javaHome, "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("PYTHONPATH", pythonPath.toString());
    env.put("PYTHONUNBUFFERED", "1");
    env.put("PYSPARK_PYTHON", PYTHON);
    env.put("SPARK_HOME", sparkHome().toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    return env;
  }

  private static void install(Path cache, Path target) {
    checkPip();
    Path partial = null;
    try {
      Files.createDirectories(cache);
      deleteStalePartials(cache);
      partial = Files.createTempDirectory(cache, target.getFileName() + ".partial-");
      Path logs = Files.createTempDirectory("delta-ffi-pip-");
      long start = System.nanoTime();
      Subprocess.run(
          "pip-install-pyspark",
          List.of(
              PYTHON,
              "-m",
              "pip",
              "install",
              "--disable-pip-version-check",
              "--no-input",
              "--no-cache-dir",
              "--target",
              partial.toString(),
              "pyspark==" + VERSION),
          cache,
          System.getenv(),
          logs,
          INSTALL_TIMEOUT);
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        partial = null;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // Another run installed it meanwhile: its copy is complete too.
      }
      System.out.printf(
          "pip installed pyspark %s into %s in %d s%n",
          VERSION, target, Duration.ofNanos(System.nanoTime() - start).toSeconds());
    } catch (IOException e) {
      throw new UncheckedIOException("could not install pyspark " + VERSION + " into " + cache, e);
    } finally {
      if (partial != null) {
        deleteTree(partial);
      }
    }
  }

  /** A missing python3 or pip fails the test, saying what to install. */
  private static void checkPip() {
    String hint =
        "The PySpark and standalone cluster tests install pip's pyspark "
            + VERSION
            + " and need `"
            + PYTHON
            + " -m pip` (on Debian: apt-get install python3 python3-pip; .ci/run does)";
    Subprocess pip;
    try {
      Path logs = Files.createTempDirectory("delta-ffi-pip-");
      pip =
          Subprocess.start(
              "pip-version",
              List.of(PYTHON, "-m", "pip", "--version"),
              logs,
              System.getenv(),
              logs);
    } catch (IOException | UncheckedIOException e) {
      fail(hint + ": " + e.getMessage());
      return;
    }
    try {
      pip.awaitSuccess(Duration.ofMinutes(1));
    } catch (AssertionError e) {
      fail(hint + ".\n" + e.getMessage());
    }
  }

  private static void checkComplete(Path target) {
    Path distInfo = target.resolve("pyspark-" + VERSION + ".dist-info");
    Path core = target.resolve("pyspark").resolve("jars");
    boolean hasCore;
    try (Stream<Path> jars = Files.list(core)) {
      hasCore =
          jars.anyMatch(
              jar -> {
                String name = jar.getFileName().toString();
                return name.startsWith("spark-core_") && name.endsWith("-" + VERSION + ".jar");
              });
    } catch (IOException e) {
      hasCore = false;
    }
    if (!Files.isDirectory(distInfo) || !hasCore) {
      fail(
          target
              + " does not hold pyspark "
              + VERSION
              + " (no "
              + distInfo.getFileName()
              + " or no spark-core jar of that version): delete it to install it again");
    }
  }

  /** Partial installs a day old are left over from interrupted runs. */
  private static void deleteStalePartials(Path cache) throws IOException {
    Instant before = Instant.now().minus(STALE_PARTIAL);
    try (Stream<Path> entries = Files.list(cache)) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        if (entry.getFileName().toString().contains(".partial-")
            && Files.getLastModifiedTime(entry).toInstant().isBefore(before)) {
          deleteTree(entry);
        }
      }
    }
  }

  static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property " + property + " is not set (spark-tests/pom.xml passes it)");
    }
    return value;
  }
}
