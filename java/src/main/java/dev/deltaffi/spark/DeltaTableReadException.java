package dev.deltaffi.spark;

/** A failure to read a Delta table, naming the table and the version asked for. */
public final class DeltaTableReadException extends RuntimeException {

  DeltaTableReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
