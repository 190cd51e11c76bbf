package dev.deltaffi.spark;

/**
 * A failure to read a Delta table, naming the table and the version asked for, with the error
 * condition it leaves the DataSource with (see {@link DeltaFfiErrors}).
 */
public final class DeltaTableReadException extends RuntimeException {
  private final String condition;

  DeltaTableReadException(String condition, String message, Throwable cause) {
    super(message, cause);
    this.condition = condition;
  }

  String condition() {
    return condition;
  }
}
