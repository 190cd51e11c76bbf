package dev.deltaffi.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;

/** Asserts that a read fails with an error a user can act on. */
public final class ErrorAssert {

  private ErrorAssert() {}

  /**
   * Runs {@code read}, expects it to fail, and checks that the error (its whole cause chain, as
   * Spark wraps executor failures) names each of {@code named}, case-insensitively.
   */
  public static Throwable assertFailsNaming(Executable read, String... named) {
    Throwable failure = assertThrows(Throwable.class, read);
    String messages = messageChain(failure);
    for (String name : named) {
      if (!messages.toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT))) {
        fail("The error does not name '" + name + "':\n  " + messages, failure);
      }
    }
    return failure;
  }

  /** The first throwable of {@code type} in a failure's cause chain; fails when there is none. */
  public static <T extends Throwable> T assertCausedBy(Throwable failure, Class<T> type) {
    return Stream.iterate(failure, t -> t != null, Throwable::getCause)
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst()
        .orElseGet(
            () ->
                fail("No " + type.getName() + " in the cause chain:\n  " + messageChain(failure)));
  }

  /** Every message in a failure's cause chain. */
  public static String messageChain(Throwable failure) {
    return Stream.iterate(failure, t -> t != null, Throwable::getCause)
        .map(t -> t.getClass().getName() + ": " + t.getMessage())
        .collect(Collectors.joining("\n  caused by "));
  }
}
