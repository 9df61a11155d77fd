package io.digitclassifier.ml.fit;

import io.digitclassifier.net.NetworkKind;
import java.io.Serializable;

/**
 * Everything the parameter-averaged fit needs, typed and immutable: built from the training job's
 * options ({@code TrainingConfig.fitSettings()}) or from a {@code DigitClassifier}'s params, whose
 * defaults are {@link #DEFAULTS} (a test holds them equal to the job's).
 *
 * @param workers parameter-averaging workers; 0 means Spark's default parallelism
 * @param augmentCopies augmented copies of each training image per epoch, beside the original
 * @param freshAugmentation new copies each epoch (true) or the same ones every epoch
 * @param rotation augmentation: maximum rotation in degrees, either way
 * @param zoom augmentation: zoom range per axis (0.1 = 90%..110%)
 * @param shift augmentation: maximum shift as a fraction of width/height
 * @param learningRate Adam's base learning rate, scheduled per epoch by {@code lrSchedule}
 */
public record FitSettings(
    @com.fasterxml.jackson.annotation.JsonAlias("model") NetworkKind network,
    int epochs,
    int batchSize,
    int averagingFrequency,
    int workers,
    int prefetch,
    int augmentCopies,
    boolean freshAugmentation,
    double rotation,
    double zoom,
    double shift,
    double learningRate,
    LearningRateSchedule lrSchedule,
    double lrDecay,
    long seed,
    int evalBatchSize,
    int progressSeconds)
    implements Serializable {

  /**
   * The training job's defaults (its {@code --help} shows the same; {@code TrainingOptionsTest}
   * checks it).
   */
  public static final FitSettings DEFAULTS =
      new FitSettings(
          NetworkKind.VGG,
          12,
          64,
          10,
          0,
          2,
          1,
          true,
          10,
          0.1,
          0.1,
          0.001,
          LearningRateSchedule.COSINE,
          0.9,
          42,
          256,
          10);

  /** Adam's learning rate in {@code epoch} (1-based). */
  public double learningRate(int epoch) {
    return lrSchedule.rate(learningRate, epoch, epochs, lrDecay);
  }

  /**
   * Added to the copy numbers (1..augmentCopies) of {@code epoch}: fresh copies continue the count.
   */
  public int copyOffset(int epoch) {
    return freshAugmentation ? (epoch - 1) * augmentCopies : 0;
  }

  /** Images per epoch, the originals and their augmented copies. */
  public long imagesPerEpoch(long trainImages) {
    return trainImages * (1 + augmentCopies);
  }
}
