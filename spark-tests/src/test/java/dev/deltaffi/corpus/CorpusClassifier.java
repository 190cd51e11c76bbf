package dev.deltaffi.corpus;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_utc_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one place that decides which corpus cases cannot pass yet (a known kernel deviation from the
 * protocol), and where the corpus's expected rows follow a reader choice this project does not
 * make. Every read feature the corpus covers is implemented: nothing is deferred for want of it.
 */
final class CorpusClassifier {

  /**
   * Add and remove paths that name the same file in different spellings ({@code file:/x}, {@code
   * file:///x}, {@code /x}). The protocol makes paths URIs resolved against the table root, so they
   * are one file and the table has no live file (0 rows, as the corpus expects and delta-spark
   * mostly agrees); delta_kernel 0.30.1 compares the strings and keeps the add (a known kernel-rs
   * bug). The fix belongs to the kernel's log replay, not to Java.
   */
  private static final String PATH_SPELLINGS =
      "delta_kernel 0.30.1 does not canonicalize add/remove paths (delta-kernel-rs #304)";

  private static final Map<String, String> KNOWN_KERNEL_DEVIATIONS =
      Map.of(
          "golden/canonicalized-paths-normal-a", PATH_SPELLINGS,
          "golden/canonicalized-paths-normal-b", PATH_SPELLINGS,
          "golden/canonicalized-paths-special-a", PATH_SPELLINGS,
          "golden/canonicalized-paths-special-b", PATH_SPELLINGS);

  /**
   * Tables whose Hadoop checksum sidecars ({@code .name.crc}, not part of a Delta table) are stale:
   * the checkpoint was rewritten after its sidecar, so Hadoop's local file system rejects it. They
   * are read from a copy without the sidecars. In {@code cdf-column-mapping-name-mode-3-7} the
   * first commit's sidecar is stale.
   */
  private static final Set<String> STALE_HADOOP_CHECKSUMS =
      Set.of("golden/checkpoint", "kernel-data/cdf-column-mapping-name-mode-3-7");

  /** A live file a case's note names, with the modification time it states (null: none). */
  record StatedFile(String name, Long modificationTime) {}

  /**
   * Live files that the notes of log-only cases state, where the read records no expectation (the
   * data files are absent, so only the log replay can be checked).
   */
  private static final Map<String, List<StatedFile>> LIVE_FILES_STATED_IN_NOTES =
      Map.of(
          // "file listing should be {foo, bar}, foo with modificationTime 1700000000000"
          "golden/delete-re-add-same-file-different-transactions",
          List.of(new StatedFile("foo", 1700000000000L), new StatedFile("bar", null)),
          // "add path 'special p@#h' whose data file is absent"
          "golden/log-replay-special-characters-b",
          List.of(new StatedFile("special p@#h", null)));

  private CorpusClassifier() {}

  /** The live files the case's note states, when its read records no expectation. */
  static Optional<List<StatedFile>> liveFilesStatedInNote(CorpusCase c) {
    return Optional.ofNullable(LIVE_FILES_STATED_IN_NOTES.get(c.name()));
  }

  /** Whether the case's table must be read from a copy without Hadoop checksum sidecars. */
  static boolean hasStaleHadoopChecksums(CorpusCase c) {
    return STALE_HADOOP_CHECKSUMS.contains(c.name());
  }

  /** Why the case cannot pass yet, or empty when it must run now. */
  static Optional<String> deferral(CorpusCase c) {
    return Optional.ofNullable(KNOWN_KERNEL_DEVIATIONS.get(c.name()));
  }

  /**
   * The corpus's expected rows, adjusted where they follow a reader choice that differs from the
   * kernel's, with the decision taken.
   */
  static Dataset<Row> expectedRows(CorpusCase c, Dataset<Row> expected) {
    switch (c.name()) {
      case "golden/data-reader-partition-values":
        // The log stores the offset-less partition value '2021-09-08 11:11:11'. Spark wrote the
        // expected rows in America/Los_Angeles and read it as local time (18:11:11Z). Delta
        // timestamps are instants since the epoch in UTC, and the kernel reads the offset-less
        // form as UTC (11:11:11Z), as Spark does in a UTC session: we follow the kernel.
        return expected.withColumn(
            "as_timestamp", from_utc_timestamp(col("as_timestamp"), "America/Los_Angeles"));
      case "kernel-data/void-column":
        // Parquet has no void type: the expected file stores the void column as an int column,
        // which must be all NULL.
        return expected.withColumn(
            "void_col",
            when(col("void_col").isNotNull(), raise_error(lit("void_col must be NULL")))
                .otherwise(lit(null)));
      default:
        return expected;
    }
  }
}
