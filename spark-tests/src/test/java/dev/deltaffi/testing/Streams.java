package dev.deltaffi.testing;

import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;

/** Streams run to their end, as the streaming tests compare them. */
public final class Streams {
  private Streams() {}

  /**
   * Runs {@code stream} to its end ({@code Trigger.AvailableNow}) into a memory sink named {@code
   * sink}, a table of the stream's session; returns the stopped query (its progress tells the
   * micro-batches).
   */
  public static StreamingQuery runToEnd(Dataset<Row> stream, String sink)
      throws TimeoutException, StreamingQueryException {
    StreamingQuery query =
        stream
            .writeStream()
            .format("memory")
            .queryName(sink)
            .trigger(Trigger.AvailableNow())
            .start();
    try {
      query.awaitTermination();
    } finally {
      query.stop();
    }
    return query;
  }
}
