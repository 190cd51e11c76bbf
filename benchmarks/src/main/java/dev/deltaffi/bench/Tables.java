package dev.deltaffi.bench;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The benchmark tables, all written by delta-spark under one directory. A table is named after its
 * sizes and kept once complete (a {@code .done} marker beside it), so later runs reuse it. While
 * writing, delta-spark reconstructs table states on one partition instead of 50 (local[2]).
 */
final class Tables {
  private static final String WRITE_CHECKSUMS = "spark.databricks.delta.writeChecksumFile.enabled";
  private static final String SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

  /** Actions per part of a multi-part checkpoint (delta-spark's setting). */
  private static final String CHECKPOINT_PART_SIZE = "spark.databricks.delta.checkpoint.partSize";

  /** Live files per part of the planning table's multi-part checkpoint. */
  private static final int CHECKPOINT_PART_FILES = 25_000;

  /** Files per commit while the planning table is written (bounds the writer's memory). */
  private static final int COMMIT_FILES = 50_000;

  private final SparkSession spark;
  private final Path dir;

  Tables(SparkSession spark, Path dir) {
    this.spark = spark;
    this.dir = dir;
  }

  /**
   * A log of {@code lastVersion + 1} commits, each adding one file, with a checkpoint every {@code
   * checkpointInterval} commits. Without version checksum (.crc) files, so readers replay the log
   * for protocol and metadata: delta-spark 4.4 here computes each checksum from the full table
   * state (seconds per commit); it still reconstructs protocol, metadata and the file count after
   * each commit (about 0.3 s per commit).
   */
  String commitLog(int lastVersion, int checkpointInterval) {
    return cached(
        "log-" + lastVersion + "-every-" + checkpointInterval + "-no-crc",
        path ->
            withoutChecksums(
                () -> {
                  Copier copier = new Copier(path, checkpointInterval);
                  for (int version = 1; version <= lastVersion; version++) {
                    copier.commit(List.of(copier.copy("commit-" + version + ".parquet")));
                  }
                  return copier;
                }));
  }

  /**
   * A new log of versions 0 to {@code lastVersion} (a checkpoint every {@code checkpointInterval})
   * at a fresh path, to which {@link Growing#commit} adds commits: a table that changes between
   * queries.
   */
  Growing growingLog(int lastVersion, int checkpointInterval) {
    Path path = dir.resolve("growing-log");
    delete(path);
    return withoutChecksums(
        () -> {
          Copier copier = new Copier(path, checkpointInterval);
          for (int version = 1; version <= lastVersion; version++) {
            copier.commit(List.of(copier.copy("commit-" + version + ".parquet")));
          }
          return new Growing(path.toUri().toString(), copier);
        });
  }

  /**
   * Runs {@code write} with delta-spark's {@code .crc} files off: with them both readers would only
   * read the last one, and each commit would reconstruct the table's state to write it.
   */
  private <T> T withoutChecksums(Supplier<T> write) {
    spark.conf().set(WRITE_CHECKSUMS, "false");
    try {
      return write.get();
    } finally {
      spark.conf().unset(WRITE_CHECKSUMS);
    }
  }

  /** A table {@link #growingLog} wrote. */
  final class Growing {
    private final String uri;
    private final Copier copier;
    private int added;

    private Growing(String uri, Copier copier) {
      this.uri = uri;
      this.copier = copier;
    }

    String uri() {
      return uri;
    }

    /** Adds {@code commits} commits, each adding one file. */
    void commit(int commits) {
      withoutChecksums(
          () -> {
            for (int i = 0; i < commits; i++) {
              copier.commit(List.of(copier.copy("grown-" + ++added + ".parquet")));
            }
            return copier;
          });
    }
  }

  /**
   * {@code files} live files: all but {@code tailCommits} of them in a checkpoint (multi-part, a
   * part per 25,000 files), then {@code tailCommits} commits adding one file each. The data files
   * are never written: planning reads none.
   */
  String manyFiles(int files, int tailCommits) {
    int parts = Math.max(1, files / CHECKPOINT_PART_FILES);
    return cached(
        "planning-" + files + "-files-in-" + parts + "-part-checkpoint-then-" + tailCommits,
        path -> withoutChecksums(() -> writeManyFiles(path, files, tailCommits, parts)));
  }

  private Copier writeManyFiles(Path path, int files, int tailCommits, int parts) {
    // No automatic checkpoint: the one checkpoint is taken below, before the tail.
    Copier copier = new Copier(path, Integer.MAX_VALUE);
    int checkpointed = files - tailCommits;
    for (int from = 1; from < checkpointed; from += COMMIT_FILES) {
      List<Action> adds = new ArrayList<>();
      for (int i = from; i < Math.min(checkpointed, from + COMMIT_FILES); i++) {
        adds.add(copier.named("unwritten-" + i + ".parquet"));
      }
      copier.commit(adds);
    }
    spark.conf().set(CHECKPOINT_PART_SIZE, Math.max(1, checkpointed / parts + 1));
    try {
      copier.log.checkpoint();
    } finally {
      spark.conf().unset(CHECKPOINT_PART_SIZE);
    }
    // The commits after the checkpoint are written as the log files delta-spark would write for
    // them (a commitInfo and an add each): through its transaction API, 10,000 of them take an
    // hour here.
    long version = copier.log.update(false, scala.Option.empty(), scala.Option.empty()).version();
    for (int i = checkpointed; i < files; i++) {
      String commit =
          "{\"commitInfo\":{\"timestamp\":"
              + System.currentTimeMillis()
              + ",\"operation\":\"MANUAL UPDATE\",\"operationParameters\":{},"
              + "\"isBlindAppend\":true}}\n"
              + copier.named("unwritten-" + i + ".parquet").json()
              + "\n";
      try {
        Files.writeString(
            path.resolve("_delta_log").resolve(String.format("%020d.json", ++version)), commit);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return copier;
  }

  /**
   * Writes tables cheaply through delta-spark: version 0 is a real one-row write; later commits go
   * through delta-spark's transaction API and add copies of that one data file under new names (so
   * every file is real). Writing many one-row files with Spark instead takes about 12 ms per file
   * on this machine, and 1,000 one-row appends several seconds each.
   */
  private final class Copier {
    private final Path table;
    private final DeltaLog log;
    private final AddFile first;
    private final String json;

    Copier(Path table, int checkpointInterval) {
      this.table = table;
      spark
          .range(0, 1, 1, 1)
          .write()
          .format("delta")
          .option("delta.checkpointInterval", checkpointInterval)
          .save(table.toString());
      log = DeltaLog.forTable(spark, table.toString());
      first =
          log.update(false, scala.Option.empty(), scala.Option.empty())
              .allFiles()
              .collectAsList()
              .get(0);
      json = first.json();
    }

    /** Copies the first data file to {@code name}; returns the action adding it. */
    Action copy(String name) {
      try {
        Files.copy(table.resolve(first.path()), table.resolve(name));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return named(name);
    }

    /**
     * The action adding a file named {@code name} with the first data file's size and statistics,
     * for a file that is never written (planning reads no data file).
     */
    Action named(String name) {
      return Action.fromJson(json.replace(quoted(first.path()), quoted(name)));
    }

    void commit(List<Action> actions) {
      log.startTransaction()
          .commit(
              CollectionConverters.asScala(actions).toSeq(), DeltaOperations.ManualUpdate$.MODULE$);
    }
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

  /**
   * {@code rows} rows (id, value) in {@code files} files, then a DELETE of {@code id % 10 = 3} that
   * leaves a deletion vector in every file.
   */
  String rowsWithDeletionVectors(long rows, int files) {
    return cached(
        "rows-" + rows + "-in-" + files + "-tenth-deleted-by-dv",
        path -> {
          spark
              .range(0, rows, 1, files)
              .select(col("id"), col("id").mod(1000).as("value"))
              .write()
              .format("delta")
              .option("delta.enableDeletionVectors", "true")
              .save(path.toString());
          spark.sql("DELETE FROM delta.`" + path + "` WHERE id % 10 = 3");
        });
  }

  /**
   * A table with the change data feed enabled: version 0 writes 10,000 rows, then each of {@code
   * commits} commits inserts 1,000 rows, updates a tenth of one key range or deletes another.
   */
  String changeFeed(int commits) {
    return cached(
        "change-feed-" + commits,
        path -> {
          String table = "delta.`" + path + "`";
          spark.sql(
              "CREATE TABLE "
                  + table
                  + " (id BIGINT, v STRING) USING delta"
                  + " TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')");
          spark.sql("INSERT INTO " + table + " SELECT id, concat('v', id) FROM range(0, 10000)");
          for (int commit = 1; commit < commits; commit++) {
            long from = 10_000L + commit * 1_000L;
            switch (commit % 3) {
              case 0 ->
                  spark.sql(
                      "INSERT INTO "
                          + table
                          + " SELECT id, concat('v', id) FROM range("
                          + from
                          + ", "
                          + (from + 1_000)
                          + ")");
              case 1 ->
                  spark.sql(
                      "UPDATE "
                          + table
                          + " SET v = 'u"
                          + commit
                          + "' WHERE id % 10 = "
                          + commit % 10);
              default -> spark.sql("DELETE FROM " + table + " WHERE id % 97 = " + commit % 97);
            }
          }
        });
  }

  private String cached(String name, Consumer<Path> write) {
    Path table = dir.resolve(name);
    Path done = dir.resolve(name + ".done");
    if (!Files.exists(done)) {
      System.out.println("# writing table " + table);
      long start = System.nanoTime();
      delete(table);
      spark.conf().set(SNAPSHOT_PARTITIONS, "1");
      try {
        Files.createDirectories(dir);
        write.accept(table);
        Files.createFile(done);
        DeltaLog.clearCache();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        spark.conf().unset(SNAPSHOT_PARTITIONS);
      }
      System.out.printf("# wrote %s in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
    }
    return table.toUri().toString();
  }

  private static String quoted(String s) {
    return "\"" + s + "\"";
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
