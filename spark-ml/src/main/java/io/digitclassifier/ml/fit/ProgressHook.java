package io.digitclassifier.ml.fit;

import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs on the workers around every minibatch fit and adds the images seen and the minibatch loss to
 * Spark accumulators, which the driver's {@link ProgressReporter} reads for progress lines and the
 * epoch's loss.
 */
public final class ProgressHook implements TrainingHook {
  private static final long serialVersionUID = 1L;

  private final LongAccumulator images;
  private final LongAccumulator batches;
  private final DoubleAccumulator lossSum;
  private final LongAccumulator nonFinite;
  private final CollectionAccumulator<Integer> firstNonFiniteStep;

  /**
   * This task's minibatches so far: each task deserializes its own copy of the hook, so these start
   * at 0.
   */
  private transient int steps;

  private transient boolean reported;

  public ProgressHook(LongAccumulator images, LongAccumulator batches, DoubleAccumulator lossSum) {
    this(images, batches, lossSum, null, null);
  }

  /**
   * {@code nonFinite}, when given, counts the minibatches whose loss is NaN or infinite (a
   * diverging training); {@code firstNonFiniteStep} receives, from each task (one worker's share of
   * an averaging round) that had one, the 1-based position of its first such minibatch within the
   * task.
   */
  public ProgressHook(
      LongAccumulator images,
      LongAccumulator batches,
      DoubleAccumulator lossSum,
      LongAccumulator nonFinite,
      CollectionAccumulator<Integer> firstNonFiniteStep) {
    this.images = images;
    this.batches = batches;
    this.lossSum = lossSum;
    this.nonFinite = nonFinite;
    this.firstNonFiniteStep = firstNonFiniteStep;
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {}

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    record(minibatch.numExamples(), model.score());
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {}

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    record(minibatch.getFeatures(0).size(0), model.score());
  }

  private void record(long n, double score) {
    images.add(n);
    batches.add(1);
    lossSum.add(score);
    steps++;
    if (!Double.isFinite(score)) {
      if (nonFinite != null) nonFinite.add(1);
      if (firstNonFiniteStep != null && !reported) firstNonFiniteStep.add(steps);
      reported = true;
    }
  }
}
