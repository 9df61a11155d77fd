package io.digitclassifier.model;

import io.digitclassifier.data.Digits;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * A classifier's evaluation as written to JSON: accuracy, per-class precision/recall/F1 and the confusion
 * matrix ({@code confusionMatrix[actual][predicted]}, 10 rows of 10 counts).
 */
public record EvaluationSummary(long examples, double accuracy, double[] precision, double[] recall, double[] f1,
    long[][] confusionMatrix) {

  public static EvaluationSummary of(Evaluation e) {
    double[] p = new double[Digits.CLASSES];
    double[] r = new double[Digits.CLASSES];
    double[] f = new double[Digits.CLASSES];
    long[][] cm = new long[Digits.CLASSES][Digits.CLASSES];
    long n = 0;
    for (int i = 0; i < Digits.CLASSES; i++) {
      p[i] = e.precision(i);
      r[i] = e.recall(i);
      f[i] = e.f1(i);
      for (int j = 0; j < Digits.CLASSES; j++) {
        cm[i][j] = e.getConfusionMatrix().getCount(i, j);
        n += cm[i][j];
      }
    }
    return new EvaluationSummary(n, e.accuracy(), p, r, f, cm);
  }

  /** From a confusion matrix alone (scoring with labels). */
  public static EvaluationSummary ofConfusion(long[][] cm) {
    Evaluation e = new Evaluation(Digits.CLASSES);
    for (int i = 0; i < Digits.CLASSES; i++) {
      for (int j = 0; j < Digits.CLASSES; j++) {
        if (cm[i][j] > 0) e.getConfusionMatrix().add(i, j, (int) cm[i][j]);
      }
    }
    return of(e);
  }
}
