package io.digitclassifier.training;

import io.digitclassifier.io.DataFormat;
import io.digitclassifier.net.NetworkKind;
import java.io.Serializable;

/**
 * The resolved, immutable configuration of one training run (command line > conf file > built-in, resolved by
 * {@link TrainingOptions}). Written into {@code metrics.json} as it is.
 *
 * @param data training data: an IDX images file, a Kaggle CSV, Parquet, or a directory holding MNIST's four
 *     IDX files (then MNIST's own train/test split is used)
 * @param testData held-out data; null means a stratified split of {@code data} by {@code testFraction}
 * @param dataFormat forced format, or null to tell it from the file name
 * @param freshAugmentation new augmented copies every epoch (copy numbers continue across epochs), else the same
 *     copies each epoch
 * @param lrSchedule the learning rate per epoch, from {@code learningRate}; {@code lrDecay} is the exponential
 *     schedule's factor per epoch
 */
public record TrainingConfig(
    String data,
    String testData,
    DataFormat dataFormat,
    double testFraction,
    int augmentCopies,
    double rotation,
    double zoom,
    double shift,
    NetworkKind model,
    int epochs,
    int batchSize,
    int averagingFrequency,
    int workers,
    int prefetch,
    double learningRate,
    long seed,
    long limit,
    String output,
    boolean overwrite,
    boolean resume,
    int progressSeconds,
    int evalBatchSize,
    boolean freshAugmentation,
    LearningRateSchedule lrSchedule,
    double lrDecay) implements Serializable {

  /** Checks what picocli cannot: ranges and combinations. */
  public TrainingConfig {
    require(testFraction > 0 && testFraction < 1, "--test-fraction must be between 0 and 1, got " + testFraction);
    require(augmentCopies >= 0, "--augment-copies must be >= 0, got " + augmentCopies);
    require(epochs >= 1, "--epochs must be >= 1, got " + epochs);
    require(batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
    require(averagingFrequency >= 1, "--averaging-frequency must be >= 1, got " + averagingFrequency);
    require(workers >= 0, "--workers must be >= 0 (0: Spark's default parallelism), got " + workers);
    require(prefetch >= 0, "--prefetch must be >= 0, got " + prefetch);
    require(learningRate > 0, "--learning-rate must be > 0, got " + learningRate);
    require(lrSchedule != null, "--lr-schedule must be constant, cosine or exponential");
    require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1], got " + lrDecay);
    require(limit >= 0, "--limit must be >= 0 (0: no limit), got " + limit);
    require(!(overwrite && resume), "--overwrite and --resume exclude each other");
  }

  /** Adam's learning rate in {@code epoch} (1-based). */
  public double learningRate(int epoch) {
    return lrSchedule.rate(learningRate, epoch, epochs, lrDecay);
  }

  /** Added to the copy numbers (1..augmentCopies) of {@code epoch}: fresh copies continue the count. */
  public int copyOffset(int epoch) {
    return freshAugmentation ? (epoch - 1) * augmentCopies : 0;
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException("Cannot train: " + message);
  }
}
