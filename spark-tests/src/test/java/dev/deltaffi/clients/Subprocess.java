package dev.deltaffi.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A process the tests start (python3, pip, spark-class, spark-submit, the S3 server), its standard
 * output and error kept in files under a log folder so that a failure can show them.
 */
public final class Subprocess {

  private static final int SHOWN_LINES = 120;

  private final String name;
  private final List<String> command;
  private final Path stdout;
  private final Path stderr;
  private final Process process;

  private Subprocess(String name, List<String> command, Path stdout, Path stderr, Process process) {
    this.name = name;
    this.command = command;
    this.stdout = stdout;
    this.stderr = stderr;
    this.process = process;
  }

  /**
   * Starts {@code command} in {@code workDir} with exactly the variables of {@code environment},
   * its output going to {@code logDir/name.out} and {@code logDir/name.err}.
   */
  public static Subprocess start(
      String name,
      List<String> command,
      Path workDir,
      Map<String, String> environment,
      Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path out = logDir.resolve(name + ".out");
      Path err = logDir.resolve(name + ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().clear();
      builder.environment().putAll(environment);
      return new Subprocess(name, List.copyOf(command), out, err, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command, e);
    }
  }

  /** Runs {@code command} to its end; fails (with its output) on a timeout or a non-zero exit. */
  public static Subprocess run(
      String name,
      List<String> command,
      Path workDir,
      Map<String, String> environment,
      Path logDir,
      Duration timeout) {
    Subprocess p = start(name, command, workDir, environment, logDir);
    p.awaitSuccess(timeout);
    return p;
  }

  /** Waits for the exit; a timeout ends the process tree, and it or an exit code but 0 fails. */
  public void awaitSuccess(Duration timeout) {
    awaitSuccess(timeout, List::of);
  }

  /**
   * As {@link #awaitSuccess(Duration)}, a failure showing the last lines of {@code moreLogs} (files
   * listed when it fails) too.
   */
  public void awaitSuccess(Duration timeout, Supplier<List<Path>> moreLogs) {
    boolean exited;
    try {
      exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      destroyTree();
      throw new IllegalStateException("interrupted waiting for " + name, e);
    }
    if (!exited) {
      destroyTree();
      fail(name + " did not finish within " + timeout + " (ended)\n" + report(moreLogs.get()));
    }
    if (process.exitValue() != 0) {
      fail(name + " exited with " + process.exitValue() + "\n" + report(moreLogs.get()));
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdout() {
    return read(stdout);
  }

  public String stderr() {
    return read(stderr);
  }

  /** The command and the last lines of its output and error, then those of {@code moreLogs}. */
  public String report() {
    return report(List.of());
  }

  public String report(List<Path> moreLogs) {
    StringBuilder text = new StringBuilder();
    text.append("command: ").append(String.join(" ", command)).append('\n');
    if (!process.isAlive()) {
      text.append("exit code: ").append(process.exitValue()).append('\n');
    }
    text.append(tail(stdout)).append(tail(stderr));
    for (Path log : moreLogs) {
      text.append(tail(log));
    }
    return text.toString();
  }

  /**
   * Ends the process and every process it started (an executor the worker launched): a polite
   * signal first, then a forced one after ten seconds.
   */
  public void destroyTree() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (ProcessHandle handle : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          handle.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception e) {
        // forced below
      }
      if (handle.isAlive()) {
        handle.destroyForcibly();
      }
    }
  }

  public static String tail(Path file) {
    if (!Files.exists(file)) {
      return "----- " + file + ": (missing)\n";
    }
    List<String> lines = read(file).lines().toList();
    int from = Math.max(0, lines.size() - SHOWN_LINES);
    return "----- "
        + file
        + (from > 0 ? " (last " + SHOWN_LINES + " of " + lines.size() + " lines)" : "")
        + "\n"
        + lines.subList(from, lines.size()).stream().collect(Collectors.joining("\n"))
        + "\n";
  }

  private static String read(Path file) {
    try {
      // Not Files.readString: a stray byte that is not UTF-8 must not hide the rest.
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
