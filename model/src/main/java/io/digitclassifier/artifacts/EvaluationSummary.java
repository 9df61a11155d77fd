package io.digitclassifier.artifacts;

import io.digitclassifier.data.Digits;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * A classifier's evaluation as written to JSON: accuracy, per-class precision/recall/F1 and the
 * confusion matrix ({@code confusionMatrix[actual][predicted]}, 10 rows of 10 counts). Everything
 * is derived from the matrix; a class never predicted (or never present) gets precision (recall) 0.
 */
public record EvaluationSummary(
    long examples,
    double accuracy,
    double[] precision,
    double[] recall,
    double[] f1,
    long[][] confusionMatrix) {

  public static EvaluationSummary of(Evaluation e) {
    long[][] cm = new long[Digits.CLASSES][Digits.CLASSES];
    for (int i = 0; i < Digits.CLASSES; i++) {
      for (int j = 0; j < Digits.CLASSES; j++) cm[i][j] = e.getConfusionMatrix().getCount(i, j);
    }
    return ofConfusion(cm);
  }

  /** From a confusion matrix {@code cm[actual][predicted]}. */
  public static EvaluationSummary ofConfusion(long[][] cm) {
    int k = Digits.CLASSES;
    double[] p = new double[k];
    double[] r = new double[k];
    double[] f = new double[k];
    long n = 0;
    long correct = 0;
    for (int c = 0; c < k; c++) {
      long predicted = 0;
      long actual = 0;
      for (int o = 0; o < k; o++) {
        predicted += cm[o][c];
        actual += cm[c][o];
        n += cm[c][o];
      }
      correct += cm[c][c];
      p[c] = predicted == 0 ? 0 : (double) cm[c][c] / predicted;
      r[c] = actual == 0 ? 0 : (double) cm[c][c] / actual;
      f[c] = p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c]);
    }
    return new EvaluationSummary(n, n == 0 ? 0 : (double) correct / n, p, r, f, cm);
  }
}
