package io.digitclassifier.ml;

import io.digitclassifier.ml.fit.EpochMetrics;
import io.digitclassifier.ml.fit.FitSettings;
import io.digitclassifier.model.EvaluationSummary;
import java.io.Serializable;
import java.util.List;

/**
 * What {@code DigitClassifier.fit} did, typed as MLlib's training summaries are: the settings it
 * ran with, the rows it trained and evaluated on, each epoch's loss, accuracies, seconds and
 * images/s, and the last evaluation on the validation rows (null without {@code
 * validationIndicatorCol}). Saved with the model as its {@code metrics.json}.
 *
 * @param workers parameter-averaging workers the fit ran with
 * @param trainImagesPerLabel training rows of each digit 0-9
 */
public record DigitClassifierTrainingSummary(
    FitSettings settings,
    int workers,
    long trainImages,
    long validationImages,
    long[] trainImagesPerLabel,
    List<EpochMetrics> epochs,
    EvaluationSummary validation,
    double wallSeconds)
    implements Serializable {

  /** The last epoch's mean training loss. */
  public double finalLoss() {
    return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).loss();
  }
}
