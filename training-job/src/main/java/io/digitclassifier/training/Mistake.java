package io.digitclassifier.training;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A held-out digit the network got wrong: its id, true and predicted label, the probabilities and
 * the pixels.
 *
 * <p>A plain class with a no-argument constructor, not a record, because Spark ships these from
 * executors with Kryo, which cannot build records.
 */
public final class Mistake implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Most confident first; ties by id, so the order is the same however the partitions came back.
   */
  public static final Comparator<Mistake> MOST_CONFIDENT_FIRST =
      Comparator.comparingDouble(Mistake::confidence).reversed().thenComparingLong(Mistake::id);

  private long id;
  private int trueLabel;
  private int predicted;
  private float[] probabilities;
  private byte[] pixels;

  public Mistake() {}

  public Mistake(long id, int trueLabel, int predicted, float[] probabilities, byte[] pixels) {
    this.id = id;
    this.trueLabel = trueLabel;
    this.predicted = predicted;
    this.probabilities = probabilities;
    this.pixels = pixels;
  }

  public long id() {
    return id;
  }

  public int trueLabel() {
    return trueLabel;
  }

  public int predicted() {
    return predicted;
  }

  /** The probability of the predicted (wrong) label. */
  public float confidence() {
    return probabilities[predicted];
  }

  /** The probability the network gave the true label. */
  public float trueProbability() {
    return probabilities[trueLabel];
  }

  public float[] probabilities() {
    return probabilities;
  }

  public byte[] pixels() {
    return pixels;
  }

  /**
   * Keeps the {@code k} most confident mistakes seen so far: a min-heap by confidence bounded at
   * {@code k}, so a partition of any size holds at most {@code k}.
   */
  public static final class Top {
    private final int k;
    private final PriorityQueue<Mistake> heap;

    public Top(int k) {
      this.k = k;
      this.heap = new PriorityQueue<>(Math.max(1, k + 1), MOST_CONFIDENT_FIRST.reversed());
    }

    public void offer(Mistake m) {
      if (k <= 0) return;
      heap.add(m);
      if (heap.size() > k) heap.poll();
    }

    /** The kept mistakes, most confident first. */
    public List<Mistake> sorted() {
      List<Mistake> out = new ArrayList<>(heap);
      out.sort(MOST_CONFIDENT_FIRST);
      return out;
    }
  }

  /**
   * The {@code k} most confident of {@code all}, most confident first (the driver's merge of
   * partitions).
   */
  public static List<Mistake> top(Collection<Mistake> all, int k) {
    Top top = new Top(k);
    all.forEach(top::offer);
    return top.sorted();
  }
}
