package dev.deltaffi.corpus;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_utc_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one place that decides which corpus cases wait for the later "semantics" issue, and where the
 * corpus's expected rows follow a reader choice this project does not make.
 *
 * <p>A case is deferred when its table needs a feature whose read semantics are not implemented
 * yet, seen either in the table's log (reader features) or in what the case says it {@code covers}.
 * Deletion vectors, column mapping (name and id modes), row tracking and type widening are read.
 */
final class CorpusClassifier {

  private static final Map<String, String> DEFERRED_READER_FEATURES =
      Map.of("variantShredding-preview", "shredded variant");

  private static final Map<Pattern, String> DEFERRED_SUBJECTS = new LinkedHashMap<>();

  static {
    DEFERRED_SUBJECTS.put(words("timestampAsOf"), "time travel by timestamp");
  }

  /**
   * Add and remove paths that name the same file in different spellings ({@code file:/x}, {@code
   * file:///x}, {@code /x}). The protocol makes paths URIs resolved against the table root, so they
   * are one file and the table has no live file (0 rows, as the corpus expects and delta-spark
   * mostly agrees); delta_kernel 0.30.1 compares the strings and keeps the add (a known kernel-rs
   * bug). The fix belongs to the kernel's log replay, not to Java.
   */
  private static final String PATH_SPELLINGS =
      "delta_kernel 0.30.1 does not canonicalize add/remove paths (known kernel-rs bug)";

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

  private CorpusClassifier() {}

  /** Whether the case's table must be read from a copy without Hadoop checksum sidecars. */
  static boolean hasStaleHadoopChecksums(CorpusCase c) {
    return STALE_HADOOP_CHECKSUMS.contains(c.name());
  }

  /** Why the case waits for the semantics issue, or empty when it must run now. */
  static Optional<String> deferral(CorpusCase c) {
    String deviation = KNOWN_KERNEL_DEVIATIONS.get(c.name());
    if (deviation != null) {
      return Optional.of(deviation + " (later semantics issue)");
    }
    Set<String> reasons = new TreeSet<>();
    DEFERRED_SUBJECTS.forEach(
        (pattern, reason) -> {
          if (pattern.matcher(c.covers()).find()) {
            reasons.add(reason);
          }
        });
    reasons.addAll(deferredByLog(c.table().resolve("_delta_log")));
    return reasons.isEmpty()
        ? Optional.empty()
        : Optional.of("needs " + String.join(", ", reasons) + " (later semantics issue)");
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

  private static Set<String> deferredByLog(Path log) {
    Set<String> reasons = new TreeSet<>();
    if (!Files.isDirectory(log)) {
      return reasons;
    }
    for (Path file : list(log)) {
      String name = file.getFileName().toString();
      if (name.endsWith(".json")) {
        actions(file).forEach(action -> reasons.addAll(deferredBy(action)));
      }
    }
    return reasons;
  }

  private static Set<String> deferredBy(JsonNode action) {
    Set<String> reasons = new TreeSet<>();
    for (JsonNode feature : action.path("protocol").path("readerFeatures")) {
      String reason = DEFERRED_READER_FEATURES.get(feature.asText());
      if (reason != null) {
        reasons.add(reason);
      }
    }
    return reasons;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The actions of a log JSON file, one per line. Only a classification: a line that is not JSON
   * (or not UTF-8) is the reader's business, not ours.
   */
  private static List<JsonNode> actions(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank())
          .map(CorpusClassifier::parse)
          .flatMap(Optional::stream)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<JsonNode> parse(String line) {
    try {
      return Optional.of(CorpusCase.JSON.readTree(line));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Pattern words(String alternatives) {
    return Pattern.compile("\\b(" + alternatives + ")\\b", Pattern.CASE_INSENSITIVE);
  }
}
