package io.digitclassifier.predict;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Instances of one model that callers borrow one at a time (a {@link Predictor} is not safe for two
 * threads). Two ways to fill it: a fixed number of copies made up front, where callers beyond them
 * wait (the canvas server); or instances loaded on demand when every one is in use (an executor,
 * which ends up with as many as it runs tasks at once). {@link #forModel} keeps one pool per model
 * in the JVM, so an executor loads a model once per core, not once per task or partition.
 */
public final class PredictorPool {
  private static final Map<String, PredictorPool> BY_MODEL = new ConcurrentHashMap<>();

  private final LinkedBlockingQueue<Predictor> idle = new LinkedBlockingQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  private PredictorPool() {}

  /** {@code first} and {@code instances - 1} copies of it. */
  public static PredictorPool of(Predictor first, int instances) {
    if (instances < 1)
      throw new IllegalArgumentException(
          "A model pool needs at least 1 instance, got " + instances);
    PredictorPool pool = new PredictorPool();
    pool.add(first);
    for (int i = 1; i < instances; i++) pool.add(first.copy());
    return pool;
  }

  /**
   * This JVM's pool for a model (by its SHA-256), empty until {@link #borrowOrLoad} loads into it.
   */
  public static PredictorPool forModel(String sha256) {
    return BY_MODEL.computeIfAbsent(sha256, k -> new PredictorPool());
  }

  /** Instances made so far, idle or in use. */
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

  public void giveBack(Predictor p) {
    idle.add(p);
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
  public void forEach(java.util.function.Consumer<Predictor> work) {
    List<Predictor> all = new java.util.ArrayList<>(size());
    for (int i = 0; i < size(); i++) all.add(borrow());
    try {
      all.forEach(work);
    } finally {
      idle.addAll(all);
    }
  }

  private void add(Predictor p) {
    idle.add(p);
    size.incrementAndGet();
  }
}
