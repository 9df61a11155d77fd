package io.digitclassifier.predict;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances of one model that callers borrow one at a time (a {@link Predictor} is not safe for two
 * threads). Two ways to fill it: a fixed number of copies made up front, where callers beyond them
 * wait (the canvas server); or instances loaded on demand when every one is in use (an executor,
 * which ends up with as many as it runs tasks at once). {@link #forModel} keeps one pool per model
 * in the JVM, so an executor loads a model once per core, not once per task or partition; it keeps
 * the pools of the {@link #KEPT_PROPERTY} models used last and closes the others' instances, so
 * that an executor which scores many models in turn (a {@code CrossValidator}'s fits, a notebook's
 * experiments) holds a bounded number of them.
 */
public final class PredictorPool {
  private static final Logger LOG = LoggerFactory.getLogger(PredictorPool.class);

  /**
   * The system property that sets how many models' pools {@link #forModel} keeps in a JVM (default
   * {@value #DEFAULT_KEPT}): for an executor, {@code
   * spark.executor.extraJavaOptions=-Ddigitclassifier.models.kept=8}. Read on every call.
   */
  public static final String KEPT_PROPERTY = "digitclassifier.models.kept";

  static final int DEFAULT_KEPT = 4;

  /** The JVM's pools by model, least recently asked for first. */
  private static final LinkedHashMap<String, PredictorPool> BY_MODEL =
      new LinkedHashMap<>(16, 0.75f, true);

  private final String key;
  private final LinkedBlockingQueue<Predictor> idle = new LinkedBlockingQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  /** Set once the pool has left {@link #BY_MODEL}: instances given back are closed. */
  private boolean retired;

  private PredictorPool(String key) {
    this.key = key;
  }

  /** {@code first} and {@code instances - 1} copies of it. */
  public static PredictorPool of(Predictor first, int instances) {
    if (instances < 1)
      throw new IllegalArgumentException(
          "A model pool needs at least 1 instance, got " + instances);
    PredictorPool pool = new PredictorPool(first.sha256());
    pool.add(first);
    for (int i = 1; i < instances; i++) pool.add(first.copy());
    return pool;
  }

  /**
   * This JVM's pool for a model (by a key naming it, such as its SHA-256), empty until {@link
   * #borrowOrLoad} loads into it. When the JVM then keeps more than {@link #kept()} pools, the ones
   * asked for least recently are retired: their idle instances are closed now, those in use when
   * they are given back.
   */
  public static PredictorPool forModel(String key) {
    int kept = kept();
    PredictorPool pool;
    List<PredictorPool> retired = new ArrayList<>();
    synchronized (BY_MODEL) {
      pool = BY_MODEL.get(key); // now the latest
      if (pool == null) {
        pool = new PredictorPool(key);
        BY_MODEL.put(key, pool);
      }
      // on every call, not only for a newcomer: the property may have been lowered meanwhile
      for (Iterator<PredictorPool> it = BY_MODEL.values().iterator();
          BY_MODEL.size() > kept && it.hasNext(); ) {
        retired.add(it.next());
        it.remove();
      }
    }
    for (PredictorPool old : retired) old.retire(key);
    return pool;
  }

  /** How many models' pools {@link #forModel} keeps ({@link #KEPT_PROPERTY}). */
  static int kept() {
    String value = System.getProperty(KEPT_PROPERTY);
    if (value == null) return DEFAULT_KEPT;
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) return n;
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(
        "-D" + KEPT_PROPERTY + " must be a whole number of models, 1 or more, got '" + value + "'");
  }

  /** Instances made so far and not closed, idle or in use. */
  public int size() {
    return size.get();
  }

  /** An idle instance, waiting for one if all are in use. */
  public Predictor borrow() {
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot predict: interrupted while waiting for the model", e);
    }
  }

  /** An idle instance, or a new one from {@code load} when all are in use (the pool grows). */
  public Predictor borrowOrLoad(Supplier<Predictor> load) {
    Predictor p = idle.poll();
    if (p != null) return p;
    p = load.get();
    size.incrementAndGet();
    return p;
  }

  /** Returns a borrowed instance; a pool {@link #forModel} no longer keeps closes it instead. */
  public void giveBack(Predictor p) {
    synchronized (this) {
      if (!retired) {
        idle.add(p);
        return;
      }
    }
    p.close();
    size.decrementAndGet();
  }

  /** Runs {@code work} on a borrowed instance and gives it back. */
  public <T> T with(Function<Predictor, T> work) {
    Predictor p = borrow();
    try {
      return work.apply(p);
    } finally {
      giveBack(p);
    }
  }

  /**
   * Runs {@code work} once on every instance (all borrowed for the time being), e.g. to warm them
   * up.
   */
  public void forEach(Consumer<Predictor> work) {
    List<Predictor> all = new ArrayList<>(size());
    for (int i = 0; i < size(); i++) all.add(borrow());
    try {
      all.forEach(work);
    } finally {
      all.forEach(this::giveBack);
    }
  }

  private void add(Predictor p) {
    idle.add(p);
    size.incrementAndGet();
  }

  /** Leaves {@link #BY_MODEL}, {@code latest} having been asked for: idle instances closed now. */
  private void retire(String latest) {
    List<Predictor> closing = new ArrayList<>();
    synchronized (this) {
      retired = true;
      idle.drainTo(closing);
    }
    for (Predictor p : closing) {
      p.close();
      size.decrementAndGet();
    }
    LOG.info(
        "Released model {} in this JVM, {} being asked for: {} of its {} instances closed, the rest"
            + " when given back (-D{} keeps more models)",
        key,
        latest,
        closing.size(),
        closing.size() + size(),
        KEPT_PROPERTY);
  }
}
