package dev.deltaffi.bench;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The benchmark tables, all written by delta-spark under one directory. A table is named after its
 * sizes and kept once complete (a {@code .done} marker beside it), so later runs reuse it.
 */
final class Tables {
  private static final String WRITE_CHECKSUMS = "spark.databricks.delta.writeChecksumFile.enabled";
  private static final String SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

  private final SparkSession spark;
  private final Path dir;

  Tables(SparkSession spark, Path dir) {
    this.spark = spark;
    this.dir = dir;
  }

  /**
   * A log of {@code lastVersion + 1} commits, each adding one file, with a checkpoint every {@code
   * checkpointInterval} commits. Version 0 is a real one-row write; the later commits go through
   * delta-spark's transaction API, each adding a copy of that file under a new name (so every file
   * is real). Without version checksum (.crc) files, so readers replay the log for protocol and
   * metadata: delta-spark 4.4 here computes each checksum from the full table state (seconds per
   * commit); it still reconstructs protocol, metadata and the file count after each commit, on one
   * snapshot partition while writing (about 0.3 s per commit).
   */
  String commitLog(int lastVersion, int checkpointInterval) {
    return cached(
        "log-" + lastVersion + "-every-" + checkpointInterval + "-no-crc",
        path -> withCheapCommits(() -> writeLog(path, lastVersion, checkpointInterval)));
  }

  private void writeLog(Path path, int lastVersion, int checkpointInterval) {
    spark
        .range(0, 1, 1, 1)
        .write()
        .format("delta")
        .option("delta.checkpointInterval", checkpointInterval)
        .save(path.toString());
    DeltaLog log = DeltaLog.forTable(spark, path.toString());
    AddFile first =
        log.update(false, scala.Option.empty(), scala.Option.empty())
            .allFiles()
            .collectAsList()
            .get(0);
    String json = first.json();
    for (int version = 1; version <= lastVersion; version++) {
      String name = "commit-" + version + ".parquet";
      copy(path.resolve(first.path()), path.resolve(name));
      Action add = Action.fromJson(json.replace(quoted(first.path()), quoted(name)));
      log.startTransaction()
          .commit(
              CollectionConverters.asScala(List.of(add)).toSeq(),
              DeltaOperations.ManualUpdate$.MODULE$);
    }
  }

  private void withCheapCommits(Runnable write) {
    spark.conf().set(WRITE_CHECKSUMS, "false");
    spark.conf().set(SNAPSHOT_PARTITIONS, "1");
    try {
      write.run();
    } finally {
      spark.conf().unset(WRITE_CHECKSUMS);
      spark.conf().unset(SNAPSHOT_PARTITIONS);
    }
  }

  /** {@code files} one-row files written in one commit, then checkpointed. */
  String manyFiles(int files) {
    return cached(
        "files-" + files,
        path -> {
          spark
              .range(0, files, 1, 2)
              .write()
              .format("delta")
              .option("maxRecordsPerFile", 1)
              .save(path.toString());
          DeltaLog.forTable(spark, path.toString()).checkpoint();
        });
  }

  /** {@code rows} rows (id, value) in {@code files} files of consecutive ids. */
  String rows(long rows, int files) {
    return cached(
        "rows-" + rows + "-in-" + files,
        path ->
            spark
                .range(0, rows, 1, files)
                .select(col("id"), col("id").mod(1000).as("value"))
                .write()
                .format("delta")
                .save(path.toString()));
  }

  private String cached(String name, Consumer<Path> write) {
    Path table = dir.resolve(name);
    Path done = dir.resolve(name + ".done");
    if (!Files.exists(done)) {
      System.out.println("# writing table " + table);
      long start = System.nanoTime();
      delete(table);
      try {
        Files.createDirectories(dir);
        write.accept(table);
        Files.createFile(done);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.out.printf("# wrote %s in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
    }
    return table.toUri().toString();
  }

  private static String quoted(String s) {
    return "\"" + s + "\"";
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
