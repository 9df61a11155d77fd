package io.digitclassifier.ml.fit;

import java.util.List;
import java.util.Locale;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Stops a training whose loss or parameters are no longer finite, at the averaging round in which
 * the first non-finite minibatch loss appeared, before anything of it is evaluated, checkpointed or
 * committed: a diverged model must not replace a good one, and the user should read "the training
 * diverged", where, at which learning rate and what to change, not an evaluation's NaN error with
 * Spark's task stack traces.
 *
 * <p>Where it looks: the workers' {@link ProgressHook} counts every minibatch whose loss is not
 * finite and reports the position of each task's first; {@link Watch} reads that on the driver
 * after each averaging round ({@link TrainingMasters.AfterAveraging}) together with the averaged
 * network's score and parameters. On the driver rather than by failing a worker's task: a task that
 * throws is retried by Spark (four times on a cluster), its accumulators are dropped, and its
 * exception reaches the driver as text inside Spark's stage failure; the driver's check after the
 * averaging is deterministic, sees every worker's count, and stops within one round (at most {@code
 * --averaging-frequency} minibatches per worker after the first bad one).
 */
final class Divergence {
  private Divergence() {}

  /**
   * A training that diverged: the job exits 1 with this one line, and nothing of the run is
   * committed.
   */
  static final class DivergedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    DivergedException(String message) {
      super(message);
    }
  }

  static final String HINT =
      "nothing was committed. Lower --learning-rate (Adam's usual range is 1e-4 to 1e-2; "
          + "the default is 0.001)";

  /**
   * The driver's check after each averaging round of an epoch ({@link #startEpoch} before each
   * epoch's fit). The minibatch it names counts the epoch's minibatches as they were fitted: those
   * of the rounds before, then the workers' minibatches of this round step by step (with one
   * worker, exactly the minibatch whose loss was first not finite; with several, the first
   * minibatch of the step in which a worker's loss first was).
   */
  static final class Watch implements TrainingMasters.AfterAveraging {
    private final LongAccumulator batches;
    private final LongAccumulator nonFinite;
    private final CollectionAccumulator<Integer> firstNonFiniteStep;
    private final int workers;
    private int epoch;
    private double learningRate;
    private long minibatches;
    private int round;
    private long before;

    Watch(
        LongAccumulator batches,
        LongAccumulator nonFinite,
        CollectionAccumulator<Integer> firstNonFiniteStep,
        int workers) {
      this.batches = batches;
      this.nonFinite = nonFinite;
      this.firstNonFiniteStep = firstNonFiniteStep;
      this.workers = Math.max(1, workers);
    }

    /**
     * Before an epoch's fit, with the accumulators reset: its number, rate and count of
     * minibatches.
     */
    void startEpoch(int epoch, double learningRate, long minibatches) {
      this.epoch = epoch;
      this.learningRate = learningRate;
      this.minibatches = minibatches;
      this.round = 0;
      this.before = 0;
      firstNonFiniteStep.reset();
    }

    @Override
    public void averaged(ComputationGraph net, int rounds) {
      round++;
      long done = batches.value();
      double score = net.score();
      List<Integer> steps = firstNonFiniteStep.value();
      boolean lossNotFinite = nonFinite.value() > 0 || !steps.isEmpty();
      boolean paramsNotFinite =
          !lossNotFinite && !Double.isFinite(net.params().sumNumber().doubleValue());
      if (!lossNotFinite && !paramsNotFinite && Double.isFinite(score)) {
        before = done;
        return;
      }
      long minibatch;
      String what;
      if (!steps.isEmpty()) {
        int step = steps.stream().mapToInt(Integer::intValue).min().orElseThrow();
        minibatch = Math.min(before + (long) (step - 1) * workers + 1, Math.max(done, before + 1));
        what =
            String.format(
                Locale.ROOT,
                "a loss of NaN or infinity, in %d of the round's %d minibatches",
                nonFinite.value(),
                done - before);
      } else {
        minibatch = Math.max(done, before + 1);
        what =
            paramsNotFinite
                ? "the averaged parameters are no longer finite"
                : "the averaged loss is " + score;
      }
      throw new DivergedException(
          String.format(
              Locale.ROOT,
              "Cannot train: the training diverged in epoch %d at "
                  + "minibatch %d of %d (averaging round %d of %d: %s) at learning rate %s; %s",
              epoch,
              minibatch,
              minibatches,
              round,
              rounds,
              what,
              learningRate,
              HINT));
    }
  }

  /**
   * The backstop after an epoch: throws {@link DivergedException} when any minibatch of the epoch
   * had a non-finite loss or the averaged parameters are not all finite ({@link Watch} normally
   * stopped it earlier).
   */
  static void check(
      int epoch,
      double learningRate,
      long minibatches,
      long nonFiniteMinibatches,
      double lossSum,
      ComputationGraph net) {
    double paramSum = net.params().sumNumber().doubleValue();
    if (nonFiniteMinibatches == 0 && Double.isFinite(lossSum) && Double.isFinite(paramSum)) return;
    String what =
        nonFiniteMinibatches > 0
            ? String.format(
                Locale.ROOT,
                "%d of its %d minibatches had a loss of NaN or infinity",
                nonFiniteMinibatches,
                minibatches)
            : Double.isFinite(lossSum)
                ? "its parameters are no longer finite"
                : "its mean loss is " + lossSum / minibatches;
    throw new DivergedException(
        String.format(
            Locale.ROOT,
            "Cannot train: the training diverged in epoch %d " + "at learning rate %s (%s); %s",
            epoch,
            learningRate,
            what,
            HINT));
  }
}
