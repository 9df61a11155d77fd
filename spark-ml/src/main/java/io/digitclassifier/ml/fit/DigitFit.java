package io.digitclassifier.ml.fit;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.data.Batches;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.spark.Stages;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The parameter-averaged fit, the one training loop of both the training job and {@code
 * DigitClassifier.fit}: per epoch, shuffle -> augment in partitions -> fit with dl4j-spark's
 * parameter averaging -> stop if it diverged -> evaluate on the held-out batches (when there are
 * any) and a training sample -> tell the {@link EpochListener} (the job checkpoints and writes
 * {@code metrics.json} there). Each stage runs under the job group {@link #GROUP}, so the Spark UI
 * reads like the pipeline.
 */
public final class DigitFit {
  private static final Logger LOG = LoggerFactory.getLogger(DigitFit.class);

  /** The Spark job group of everything a fit runs. */
  public static final String GROUP = "training";

  /** Un-augmented training images used to measure training accuracy each epoch. */
  public static final int TRAIN_EVAL_SAMPLE = 10_000;

  private DigitFit() {}

  /** Per-epoch work beside the loop (checkpoints, metrics files); the fit stops if it throws. */
  @FunctionalInterface
  public interface EpochListener {
    void epochDone(EpochMetrics metrics, ComputationGraph network);
  }

  /**
   * The fitted network, every epoch's metrics (resumed ones included) and the last held-out
   * evaluation (or null).
   */
  public record Result(
      ComputationGraph network, List<EpochMetrics> epochs, EvaluationSummary heldOut) {}

  /**
   * Fits {@code network} from epoch {@code history.size() + 1} to {@code settings.epochs()}.
   *
   * @param train the training records, persisted by the caller (read once per epoch)
   * @param trainCount how many there are
   * @param heldOut normalised held-out minibatches ({@link #toBatches}), persisted; null for none
   * @param trainSample normalised minibatches of a training sample for the training accuracy,
   *     persisted
   * @param history epochs already done (a resumed run); the new ones are added
   */
  public static Result fit(
      SparkSession spark,
      FitSettings settings,
      int workers,
      ComputationGraph network,
      JavaRDD<DigitRecord> train,
      long trainCount,
      JavaRDD<DataSet> heldOut,
      JavaRDD<DataSet> trainSample,
      List<EpochMetrics> history,
      EpochListener listener) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long perEpoch = settings.imagesPerEpoch(trainCount);
    LongAccumulator images = jsc.sc().longAccumulator("images");
    LongAccumulator batches = jsc.sc().longAccumulator("batches");
    DoubleAccumulator lossSum = jsc.sc().doubleAccumulator("lossSum");
    LongAccumulator nonFinite = jsc.sc().longAccumulator("nonFiniteLosses");
    CollectionAccumulator<Integer> firstNonFinite =
        jsc.sc().collectionAccumulator("firstNonFiniteStep");
    Divergence.Watch divergence = new Divergence.Watch(batches, nonFinite, firstNonFinite, workers);
    SparkComputationGraph sparkNet =
        new SparkComputationGraph(
            jsc,
            network,
            TrainingMasters.parameterAveraging(
                settings,
                workers,
                divergence,
                new ProgressHook(images, batches, lossSum, nonFinite, firstNonFinite)));
    Augmenter augmenter = new Augmenter(settings.rotation(), settings.zoom(), settings.shift());
    List<EpochMetrics> epochs = new ArrayList<>(history);
    EvaluationSummary last = null;
    for (int epoch = history.size() + 1; epoch <= settings.epochs(); epoch++) {
      final int e = epoch;
      images.reset();
      batches.reset();
      lossSum.reset();
      nonFinite.reset();
      double learningRate = settings.learningRate(e);
      sparkNet.getNetwork().setLearningRate(learningRate);
      long start = System.nanoTime();
      long[] minibatches = new long[1];
      JavaRDD<DataSet> augmented =
          Stages.run(
              spark.sparkContext(),
              GROUP,
              "3 augment: epoch "
                  + e
                  + ", "
                  + perEpoch
                  + " images in minibatches of "
                  + settings.batchSize(),
              () -> {
                JavaRDD<DataSet> rdd =
                    shuffled(train, workers, settings.seed(), e)
                        .mapPartitionsWithIndex(
                            new AugmentAndBatchFunction(
                                augmenter,
                                settings.augmentCopies(),
                                settings.copyOffset(e),
                                settings.batchSize(),
                                settings.seed(),
                                e),
                            true)
                        .persist(StorageLevel.MEMORY_ONLY());
                minibatches[0] = rdd.count();
                return rdd;
              });
      // stops the fit after the averaging round in which a loss was first not finite
      divergence.startEpoch(e, learningRate, minibatches[0]);
      try (ProgressReporter progress =
          new ProgressReporter(
              "Epoch " + e + "/" + settings.epochs(),
              perEpoch,
              images,
              batches,
              lossSum,
              settings.progressSeconds())) {
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "4 fit: epoch "
                + e
                + " (parameter averaging, "
                + workers
                + " workers, every "
                + settings.averagingFrequency()
                + " minibatches)",
            () -> sparkNet.fit(augmented));
        progress.report();
      } finally {
        augmented.unpersist(false);
      }
      // the backstop, before evaluating (which fails on NaN predictions with Spark's stack traces)
      // and before any
      // checkpoint
      Divergence.check(
          e,
          learningRate,
          batches.value(),
          nonFinite.value(),
          lossSum.value(),
          sparkNet.getNetwork());
      double seconds = (System.nanoTime() - start) / 1e9;
      double loss = batches.value() == 0 ? Double.NaN : lossSum.value() / batches.value();
      double testAccuracy = Double.NaN;
      if (heldOut != null) {
        last =
            evaluate(
                spark, sparkNet, heldOut, settings, "5 evaluate: epoch " + e + " held-out set");
        testAccuracy = last.accuracy();
      }
      double trainAccuracy =
          evaluate(
                  spark,
                  sparkNet,
                  trainSample,
                  settings,
                  "5 evaluate: epoch " + e + " training sample")
              .accuracy();
      EpochMetrics m =
          new EpochMetrics(
              e,
              loss,
              trainAccuracy,
              testAccuracy,
              seconds,
              images.value() / seconds,
              images.value(),
              learningRate);
      epochs.add(m);
      LOG.info(
          "Epoch {}/{}: learning rate {}, loss {}, train accuracy {}, test accuracy {}, {} s, {} img/s",
          e,
          settings.epochs(),
          String.format("%.6f", learningRate),
          String.format("%.4f", loss),
          String.format("%.4f", m.trainAccuracy()),
          String.format("%.4f", m.testAccuracy()),
          String.format("%.1f", seconds),
          String.format("%.1f", m.imagesPerSecond()));
      listener.epochDone(m, sparkNet.getNetwork());
    }
    if (last == null && heldOut != null) {
      last = evaluate(spark, sparkNet, heldOut, settings, "5 evaluate: held-out set");
    }
    return new Result(sparkNet.getNetwork(), List.copyOf(epochs), last);
  }

  private static EvaluationSummary evaluate(
      SparkSession spark,
      SparkComputationGraph net,
      JavaRDD<DataSet> batches,
      FitSettings settings,
      String description) {
    Evaluation eval =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            description,
            () ->
                net.doEvaluation(
                    batches, new Evaluation(Digits.CLASSES), settings.evalBatchSize()));
    return EvaluationSummary.of(eval);
  }

  /**
   * A fresh random order for the epoch, seeded from (seed, epoch, id): a cheap shuffle of the small
   * byte records.
   */
  static JavaRDD<DigitRecord> shuffled(
      JavaRDD<DigitRecord> train, int partitions, long seed, int epoch) {
    long s = Augmenter.mix(seed * 1_000_003L + epoch);
    return train
        .mapToPair(r -> new Tuple2<>(Augmenter.mix(s ^ r.getId()), r))
        .repartitionAndSortWithinPartitions(new HashPartitioner(partitions))
        .values();
  }

  /** Normalised minibatches without augmentation (evaluation). */
  public static JavaRDD<DataSet> toBatches(JavaRDD<DigitRecord> records, int batchSize) {
    return records.mapPartitions(
        (Iterator<DigitRecord> it) -> Batches.map(it, batchSize, Digits::toDataSet));
  }
}
