package dev.deltaffi.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pip {@code pyspark} distribution of the pom's Spark version, which carries Spark's jars and
 * {@code bin/} scripts, installed once into the tests' pip cache ({@link PipInstalls}: {@code
 * ~/.cache/delta-ffi/pyspark-VERSION}).
 */
final class PySparkDistribution {

  /** The pom's {@code spark.version}. */
  static final String VERSION = required("deltaffi.spark.version");

  /** The self-contained delta-ffi jar this build made. */
  static final Path DELTA_FFI_JAR = Path.of(required("deltaffi.jar")).toAbsolutePath().normalize();

  /** The repository's root folder (README.md, examples/). */
  static final Path ROOT = Path.of(required("deltaffi.repo.dir")).toAbsolutePath().normalize();

  static final String PYTHON = PipInstalls.PYTHON;

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
      Path target =
          PipInstalls.installed("pyspark", VERSION, "The PySpark and standalone cluster tests");
      checkSparkJars(target);
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

  /** The install must carry Spark's jars of this version (the dist-info alone says little). */
  private static void checkSparkJars(Path target) {
    Path jars = target.resolve("pyspark").resolve("jars");
    boolean hasCore;
    try (Stream<Path> files = Files.list(jars)) {
      hasCore =
          files.anyMatch(
              jar -> {
                String name = jar.getFileName().toString();
                return name.startsWith("spark-core_") && name.endsWith("-" + VERSION + ".jar");
              });
    } catch (IOException e) {
      hasCore = false;
    }
    if (!hasCore) {
      fail(
          target
              + " does not hold pyspark "
              + VERSION
              + " (no spark-core jar of that version in pyspark/jars): delete it to install it"
              + " again");
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
