package io.digitclassifier.ml;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.ml.fit.EpochMetrics;
import io.digitclassifier.ml.fit.FitSettings;
import java.io.Serializable;
import java.util.List;

/**
 * What {@code DigitClassifier.fit} did, typed as MLlib's training summaries are: the settings it
 * ran with, the rows it trained and evaluated on, each epoch's loss, accuracies, seconds and
 * images/s, and the last evaluation on the validation rows (null without {@code
 * validationIndicatorCol}). Saved with the model as its {@code metrics.json}.
 *
 * <p>Its JSON shares {@code metrics.json}'s names where they mean the same ({@code trainImages},
 * {@code testImages} for the validation rows, {@code epochs}, {@code finalEvaluation}, {@code
 * versions}, {@code cluster}, {@code natives}), so {@link ModelProvenance} reads either.
 *
 * @param workers parameter-averaging workers the fit ran with
 * @param testImages the validation rows evaluated after every epoch (0 without them)
 * @param trainImagesPerLabel training rows of each digit 0-9
 * @param finalEvaluation the last evaluation on the validation rows, or null
 */
public record DigitClassifierTrainingSummary(
    FitSettings settings,
    int workers,
    long trainImages,
    long testImages,
    long[] trainImagesPerLabel,
    List<EpochMetrics> epochs,
    EvaluationSummary finalEvaluation,
    double wallSeconds,
    java.util.Map<String, String> versions,
    io.digitclassifier.spark.SparkSessions.WhereItRan cluster,
    io.digitclassifier.spark.NativesPlugin.Natives natives)
    implements Serializable {

  /** The last epoch's mean training loss. */
  public double finalLoss() {
    return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).loss();
  }
}
