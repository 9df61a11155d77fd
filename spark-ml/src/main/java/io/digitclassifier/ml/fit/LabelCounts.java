package io.digitclassifier.ml.fit;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * How many images of each digit a set holds, and how many have no label: what the training job
 * checks before it fits (a digit the network never sees is a digit it can never name) and records
 * in {@code metrics.json}.
 */
public record LabelCounts(long[] perLabel, long unlabelled) implements Serializable {
  private static final int NO_LABEL = -1;

  /** One pass over {@code records}. */
  public static LabelCounts of(JavaRDD<DigitRecord> records) {
    Map<Integer, Long> counts =
        records.map(r -> r.getLabel() == null ? NO_LABEL : r.getLabel()).countByValue();
    long[] perLabel = new long[Digits.CLASSES];
    long unlabelled = 0;
    for (Map.Entry<Integer, Long> e : counts.entrySet()) {
      int label = e.getKey();
      if (label >= 0 && label < Digits.CLASSES) perLabel[label] = e.getValue();
      else unlabelled += e.getValue();
    }
    return new LabelCounts(perLabel, unlabelled);
  }

  public long labelled() {
    return Arrays.stream(perLabel).sum();
  }

  public long total() {
    return labelled() + unlabelled;
  }

  /** Digits with no images at all. */
  public List<Integer> missing() {
    List<Integer> out = new ArrayList<>();
    for (int d = 0; d < perLabel.length; d++) if (perLabel[d] == 0) out.add(d);
    return out;
  }

  /**
   * Digits with fewer than half of an even share ({@code labelled / 10 / 2}) but at least one
   * image: enough to skew what the network learns. MNIST's own classes are within 0.8x-1.2x of an
   * even share.
   */
  public List<Integer> scarce() {
    List<Integer> out = new ArrayList<>();
    double half = labelled() / (2.0 * perLabel.length);
    for (int d = 0; d < perLabel.length; d++) if (perLabel[d] > 0 && perLabel[d] < half) out.add(d);
    return out;
  }

  /** {@code 0: 4132, 1: 4684, ...}: for logs and messages. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d < perLabel.length; d++)
      sb.append(d == 0 ? "" : ", ").append(d).append(": ").append(perLabel[d]);
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelCounts c
        && Arrays.equals(perLabel, c.perLabel)
        && unlabelled == c.unlabelled;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(perLabel) + Long.hashCode(unlabelled);
  }

  @Override
  public String toString() {
    return "LabelCounts["
        + describe()
        + (unlabelled > 0 ? ", unlabelled: " + unlabelled : "")
        + "]";
  }
}
