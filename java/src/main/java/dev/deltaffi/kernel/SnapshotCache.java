package dev.deltaffi.kernel;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots queries loaded, kept for later queries: the latest snapshot of each table (a query
 * of the latest version lists only the commits after it and replays only those) and the snapshots
 * of versions read by time travel. At most {@code capacity} snapshots, the least recently used
 * evicted first.
 *
 * <p>A kept snapshot is used only while every log file it was built from is still listed unchanged
 * (see {@link KernelSnapshot#logUnchanged}): after the table was written again, a commit rewritten
 * or a log file cleaned up, it is dropped and the snapshot loaded anew. Callers own what they get
 * (a {@link KernelSnapshot#share share} of the kept one) and close it as always.
 */
public final class SnapshotCache {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCache.class);

  /** Snapshots kept by all caches of this JVM: native handles that stay alive on purpose. */
  private static final AtomicInteger KEPT = new AtomicInteger();

  private int capacity;
  private final LinkedHashMap<String, KernelSnapshot> kept = new LinkedHashMap<>(16, 0.75f, true);

  /** A cache of at most {@code capacity} snapshots; 0 keeps none. */
  public SnapshotCache(int capacity) {
    this.capacity = capacity;
  }

  /** Keeps at most {@code capacity} snapshots from now on, releasing the least recently used. */
  public synchronized void resize(int capacity) {
    this.capacity = capacity;
    evictOverCapacity();
  }

  /** The snapshots kept now. */
  public synchronized int size() {
    return kept.size();
  }

  /** The snapshots every cache of this JVM keeps: native handles alive on purpose. */
  public static int keptInJvm() {
    return KEPT.get();
  }

  /**
   * The latest snapshot of the table at {@code tableRoot}: built from the kept one when it is
   * valid, else from {@code earlier} (an older snapshot of the table the caller holds; null: none),
   * else loaded.
   */
  public KernelSnapshot latest(KernelEngine engine, String tableRoot, KernelSnapshot earlier) {
    String key = root(tableRoot);
    KernelSnapshot known = valid(engine, key);
    if (known == null) {
      return keep(
          key,
          earlier != null
              ? earlier.refresh(engine)
              : KernelSnapshot.load(engine, key, OptionalLong.empty()));
    }
    try (KernelSnapshot refreshed = known.refresh(engine)) {
      if (refreshed.version() == known.version()) {
        return known.share();
      }
      return keep(key, refreshed.share());
    } finally {
      known.close();
    }
  }

  /** The snapshot of {@code version} of the table at {@code tableRoot}, kept once loaded. */
  public KernelSnapshot at(KernelEngine engine, String tableRoot, long version) {
    String key = root(tableRoot) + "@v" + version;
    KernelSnapshot known = valid(engine, key);
    if (known == null) {
      return keep(key, KernelSnapshot.load(engine, root(tableRoot), OptionalLong.of(version)));
    }
    try {
      return known.share();
    } finally {
      known.close();
    }
  }

  /** Closes every kept snapshot. */
  public synchronized void clear() {
    kept.values().forEach(this::release);
    kept.clear();
  }

  /**
   * A share of the snapshot kept under {@code key} when its log is unchanged (the caller closes
   * it); else null, the stale one dropped.
   */
  private KernelSnapshot valid(KernelEngine engine, String key) {
    KernelSnapshot known;
    synchronized (this) {
      KernelSnapshot entry = kept.get(key);
      if (entry == null) {
        return null;
      }
      known = entry.share();
    }
    boolean unchanged;
    try {
      unchanged = known.logUnchanged(engine.storage());
    } catch (RuntimeException e) {
      known.close();
      throw e;
    }
    if (unchanged) {
      return known;
    }
    LOG.info(
        "the log of {} changed since version {} was kept: loading it anew",
        known.tableRoot(),
        known.version());
    known.close();
    synchronized (this) {
      KernelSnapshot stale = kept.remove(key);
      if (stale != null) {
        release(stale);
      }
    }
    return null;
  }

  /** Keeps {@code loaded} under {@code key} (the cache owns it) and returns a share of it. */
  private KernelSnapshot keep(String key, KernelSnapshot loaded) {
    synchronized (this) {
      if (capacity <= 0) {
        return loaded;
      }
    }
    KernelSnapshot share;
    try {
      share = loaded.share();
    } catch (RuntimeException e) {
      loaded.close();
      throw e;
    }
    synchronized (this) {
      KernelSnapshot replaced = kept.put(key, loaded);
      KEPT.incrementAndGet();
      if (replaced != null) {
        release(replaced);
      }
      evictOverCapacity();
    }
    return share;
  }

  private void evictOverCapacity() {
    Iterator<Map.Entry<String, KernelSnapshot>> eldest = kept.entrySet().iterator();
    while (kept.size() > Math.max(capacity, 0) && eldest.hasNext()) {
      release(eldest.next().getValue());
      eldest.remove();
    }
  }

  private void release(KernelSnapshot snapshot) {
    snapshot.close();
    KEPT.decrementAndGet();
  }

  private static String root(String tableRoot) {
    return tableRoot.endsWith("/") ? tableRoot : tableRoot + "/";
  }
}
