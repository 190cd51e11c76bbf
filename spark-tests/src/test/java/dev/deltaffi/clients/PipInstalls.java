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
 * Python packages the tests run (pip's pyspark, moto's S3 server), each installed at a pinned
 * version by {@code python3 -m pip install --target} into its own folder of a cache that later runs
 * reuse ({@code ~/.cache/delta-ffi/NAME-VERSION}, or under the system property {@code
 * deltaffi.pip.cache}). An install goes to a temporary folder renamed into place when pip succeeds,
 * so an interrupted one is never taken for a complete one; a folder holding no {@code
 * NAME-VERSION.dist-info} fails the test, saying to delete it.
 */
public final class PipInstalls {

  /** The Python the tests run: {@code python3}, or the system property {@code deltaffi.python}. */
  public static final String PYTHON = System.getProperty("deltaffi.python", "python3");

  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration STALE_PARTIAL = Duration.ofDays(1);

  /** The folders installed or found complete by this JVM, by folder name. */
  private static final Map<String, Path> INSTALLED = new HashMap<>();

  private PipInstalls() {}

  /**
   * The pip target (what goes on {@code PYTHONPATH}) holding {@code project} (a pip project name,
   * with extras if any: {@code moto[server]}) at exactly {@code version} and its dependencies,
   * installed on the first call when the cache does not hold it yet. {@code neededBy} names the
   * tests that need it, for the message when python3 or pip is missing.
   */
  public static synchronized Path installed(String project, String version, String neededBy) {
    String folder = folderName(project, version);
    Path known = INSTALLED.get(folder);
    if (known != null) {
      return known;
    }
    Path cache = cacheRoot();
    Path target = cache.resolve(folder);
    if (!Files.isDirectory(target)) {
      install(project, version, neededBy, cache, target);
    }
    Path distInfo = target.resolve(distributionName(project) + "-" + version + ".dist-info");
    if (!Files.isDirectory(distInfo)) {
      fail(
          target
              + " does not hold "
              + project
              + " "
              + version
              + " (no "
              + distInfo.getFileName()
              + "): delete it to install it again");
    }
    INSTALLED.put(folder, target);
    return target;
  }

  /** The cache folder every install goes into. */
  public static Path cacheRoot() {
    return Path.of(
        System.getProperty(
            "deltaffi.pip.cache",
            Path.of(System.getProperty("user.home"), ".cache", "delta-ffi").toString()));
  }

  /**
   * {@code moto[server]} at 5.2.5: {@code moto-server-5.2.5}; {@code pyspark}: {@code pyspark-V}.
   */
  static String folderName(String project, String version) {
    return project.replaceAll("[\\[\\],]+", "-").replaceAll("-+$", "") + "-" + version;
  }

  /**
   * The name pip gives the project's {@code .dist-info} folder: no extras, {@code -} as {@code _}.
   */
  private static String distributionName(String project) {
    int extras = project.indexOf('[');
    return (extras < 0 ? project : project.substring(0, extras)).replaceAll("[-_.]+", "_");
  }

  private static void install(
      String project, String version, String neededBy, Path cache, Path target) {
    checkPip(project, version, neededBy);
    Path partial = null;
    try {
      Files.createDirectories(cache);
      deleteStalePartials(cache);
      partial = Files.createTempDirectory(cache, target.getFileName() + ".partial-");
      Path logs = Files.createTempDirectory("delta-ffi-pip-");
      long start = System.nanoTime();
      Subprocess.run(
          "pip-install-" + target.getFileName(),
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
              project + "==" + version),
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
          "pip installed %s %s into %s in %d s%n",
          project, version, target, Duration.ofNanos(System.nanoTime() - start).toSeconds());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not install " + project + " " + version + " into " + cache, e);
    } finally {
      if (partial != null) {
        deleteTree(partial);
      }
    }
  }

  /** A missing python3 or pip fails the test, saying what to install. */
  private static void checkPip(String project, String version, String neededBy) {
    String hint =
        neededBy
            + " install pip's "
            + project
            + " "
            + version
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

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }
}
