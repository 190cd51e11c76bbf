package dev.deltaffi.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeltaOptionsTest {

  /** The README's options table (between its markers) lists exactly the code's table. */
  @Test
  void theReadmeListsTheOptionsTable() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("<!-- options:start -->");
    int end = readme.indexOf("<!-- options:end -->");
    assertTrue(start >= 0 && end > start, "README.md has the options markers");
    List<String> rows =
        readme.substring(start, end).lines().filter(line -> line.startsWith("| `")).toList();
    List<String> expected =
        Arrays.stream(DeltaOptions.values())
            .map(o -> "| `" + o.key + "` | " + o.support.meaning + " | " + o.purpose + " |")
            .toList();
    assertEquals(expected, rows);
  }

  @Test
  void unsupportedOptionsAreRefusedByName() {
    for (DeltaOptions option : DeltaOptions.values()) {
      Map<String, String> options = Map.of(option.key.toUpperCase(), "true");
      if (option.support == DeltaOptions.Support.READ
          || option == DeltaOptions.READ_CHANGE_FEED
          || option == DeltaOptions.READ_CHANGE_DATA) {
        continue;
      }
      UnsupportedOperationException error =
          assertThrows(
              UnsupportedOperationException.class,
              () -> DeltaOptions.refuseUnsupported(options, "/t", false));
      assertTrue(error.getMessage().contains("'" + option.key + "'"), error.getMessage());
      assertTrue(error.getMessage().contains("/t"), error.getMessage());
    }
  }

  @Test
  void aChangeFeedReadTakesItsRangeOptions() {
    assertDoesNotThrow(
        () ->
            DeltaOptions.refuseUnsupported(
                Map.of(
                    "readChangeFeed",
                    "true",
                    "startingVersion",
                    "1",
                    "endingTimestamp",
                    "2024-01-01"),
                "/t",
                false));
  }

  @Test
  void aStreamTakesItsOptionsAndRefusesTheRest() {
    assertDoesNotThrow(
        () ->
            DeltaOptions.refuseUnsupported(
                Map.of(
                    "startingVersion", "1",
                    "maxFilesPerTrigger", "2",
                    "maxBytesPerTrigger", "1g",
                    "ignoreDeletes", "true",
                    "ignoreChanges", "true",
                    "skipChangeCommits", "true"),
                "/t",
                true));
    assertDoesNotThrow(
        () ->
            DeltaOptions.refuseUnsupported(
                Map.of("readChangeFeed", "true", "startingVersion", "1", "maxFilesPerTrigger", "2"),
                "/t",
                true));
    for (DeltaOptions option : DeltaOptions.values()) {
      boolean refusedInStreams =
          switch (option.support) {
            case CHANGE_FEED_END, STREAMING_UNSUPPORTED, WRITE -> true;
            default -> false;
          };
      if (refusedInStreams) {
        assertRefused(Map.of(option.key, "true"), option);
      }
      if (option.support == DeltaOptions.Support.STREAMING_ROWS) {
        assertRefused(Map.of(option.key, "true", "readChangeFeed", "true"), option);
      }
    }
  }

  private static void assertRefused(Map<String, String> options, DeltaOptions option) {
    UnsupportedOperationException error =
        assertThrows(
            UnsupportedOperationException.class,
            () -> DeltaOptions.refuseUnsupported(options, "/t", true),
            options.toString());
    assertTrue(error.getMessage().contains("'" + option.key + "'"), error.getMessage());
  }

  @Test
  void aPlainReadAndUnknownOptionsPass() {
    assertDoesNotThrow(
        () ->
            DeltaOptions.refuseUnsupported(
                Map.of("readChangeFeed", " FALSE ", "versionAsOf", "1", "mySourceOption", "x"),
                "/t",
                false));
  }
}
