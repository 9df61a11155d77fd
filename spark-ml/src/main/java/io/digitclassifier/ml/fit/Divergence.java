package io.digitclassifier.ml.fit;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Stops a training whose loss or parameters are no longer finite, after the epoch it happened in and before that
 * epoch is evaluated, checkpointed or committed: a diverged model must not replace a good one, and the user should
 * read "the training diverged" and what to change, not an evaluation's NaN error with Spark's task stack traces.
 */
final class Divergence {
  private Divergence() {}

  /** A training that diverged: the job exits 1 with this one line, and nothing of the run is committed. */
  static final class DivergedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    DivergedException(String message) {
      super(message);
    }
  }

  /**
   * Throws {@link DivergedException} when any minibatch of the epoch had a non-finite loss or the averaged
   * parameters are not all finite.
   */
  static void check(int epoch, double learningRate, long minibatches, long nonFiniteMinibatches, double lossSum,
      ComputationGraph net) {
    double paramSum = net.params().sumNumber().doubleValue();
    if (nonFiniteMinibatches == 0 && Double.isFinite(lossSum) && Double.isFinite(paramSum)) return;
    String what = nonFiniteMinibatches > 0
        ? String.format(java.util.Locale.ROOT, "%d of its %d minibatches had a loss of NaN or infinity",
            nonFiniteMinibatches, minibatches)
        : Double.isFinite(lossSum) ? "its parameters are no longer finite" : "its mean loss is " + lossSum / minibatches;
    throw new DivergedException(String.format(java.util.Locale.ROOT, "Cannot train: the training diverged in epoch %d "
        + "at learning rate %s (%s); nothing was committed. Lower --learning-rate (Adam's usual range is "
        + "1e-4 to 1e-2; the default is 0.001)", epoch, learningRate, what));
  }
}
