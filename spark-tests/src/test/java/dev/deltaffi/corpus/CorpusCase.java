package dev.deltaffi.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One table of the shared corpus (see corpus/README.md) and the reads recorded for it.
 *
 * @param name the case, e.g. {@code golden/checkpoint}
 * @param dir the case folder (holds case.json, delta/ and expected/)
 */
record CorpusCase(String name, Path dir, String covers, String note, List<Read> reads) {

  /** One recorded read; exactly one kind of expectation is set (or none, for log-only tables). */
  record Read(
      String id,
      OptionalLong version,
      List<String> columns,
      String predicate,
      String expected,
      String expectedError,
      OptionalLong rowCount,
      OptionalLong expectedVersion,
      OptionalLong expectedLiveFiles) {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** The table root. */
  Path table() {
    return dir.resolve("delta");
  }

  static List<CorpusCase> load(Path corpus) {
    List<CorpusCase> cases = new ArrayList<>();
    for (JsonNode entry : readJson(corpus.resolve("manifest.json")).path("cases")) {
      String name = entry.path("case").asText();
      cases.add(
          parse(name, corpus.resolve(name), readJson(corpus.resolve(name).resolve("case.json"))));
    }
    return cases;
  }

  private static CorpusCase parse(String name, Path dir, JsonNode json) {
    List<Read> reads = new ArrayList<>();
    for (JsonNode read : json.path("reads")) {
      List<String> columns = null;
      if (read.hasNonNull("columns")) {
        columns = new ArrayList<>();
        for (JsonNode column : read.get("columns")) {
          columns.add(column.asText());
        }
      }
      reads.add(
          new Read(
              read.path("id").asText(),
              optionalLong(read, "version"),
              columns,
              text(read, "predicate"),
              text(read, "expected"),
              text(read, "expected_error"),
              optionalLong(read, "row_count"),
              optionalLong(read, "expected_version"),
              optionalLong(read, "expected_live_files")));
    }
    return new CorpusCase(name, dir, json.path("covers").asText(""), text(json, "note"), reads);
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }

  private static OptionalLong optionalLong(JsonNode node, String field) {
    return node.hasNonNull(field)
        ? OptionalLong.of(node.get(field).asLong())
        : OptionalLong.empty();
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
