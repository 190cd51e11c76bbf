package dev.deltaffi.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Seconds per key, of the measured runs only; medians. */
final class Timings {

  /** One run of a reader: returns its seconds, and may add parts of them under other keys. */
  interface Run {
    double seconds(Timings timings) throws Exception;
  }

  private final Map<String, List<Double>> samples = new LinkedHashMap<>();
  private boolean measuring;

  /**
   * Runs every reader {@code warmups + runs} times, alternating them within each round; the warm-up
   * rounds are not kept. A reader's total is kept under its name.
   */
  static Timings alternate(int warmups, int runs, Map<String, Run> readers) throws Exception {
    Timings timings = new Timings();
    for (int round = 0; round < warmups + runs; round++) {
      timings.measuring = round >= warmups;
      for (Map.Entry<String, Run> reader : readers.entrySet()) {
        timings.add(reader.getKey(), reader.getValue().seconds(timings));
      }
    }
    return timings;
  }

  void add(String key, double seconds) {
    if (measuring) {
      samples.computeIfAbsent(key, k -> new ArrayList<>()).add(seconds);
    }
  }

  boolean has(String key) {
    return samples.containsKey(key);
  }

  double median(String key) {
    List<Double> values = new ArrayList<>(samples.get(key));
    values.sort(null);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }

  static double since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
