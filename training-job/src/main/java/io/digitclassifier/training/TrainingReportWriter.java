package io.digitclassifier.training;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.ml.fit.Augmenter;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.report.ReportWriter;
import io.digitclassifier.spark.Stages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The training job's last stage: gathers what the report shows (a few training images with their
 * augmented copies, the final network's most confident mistakes on the held-out set) and writes
 * {@link TrainingReport} into the output's work directory, before it is committed. A report is a
 * nicety: whatever goes wrong here is logged as a warning and the job goes on to commit its model.
 */
final class TrainingReportWriter {
  /** Training images in the augmentation grid, each with {@link #COPIES} copies. */
  static final int SAMPLES = 6;

  static final int COPIES = 8;

  /** Most confident held-out mistakes shown; also the most any partition sends to the driver. */
  static final int MISTAKES = 16;

  private TrainingReportWriter() {}

  /** Writes the report into {@code dir} (which holds the final {@code model.zip}); never throws. */
  static void write(
      SparkSession spark,
      TrainingConfig config,
      TrainingMetrics metrics,
      JavaRDD<DigitRecord> train,
      JavaRDD<DigitRecord> test,
      Path dir) {
    ReportWriter.bestEffort(
        "training",
        dir,
        "the model and metrics are",
        () -> {
          List<TrainingReport.AugmentedSample> samples =
              Stages.run(
                  spark.sparkContext(),
                  TrainingJob.GROUP,
                  "6 report: augmented samples",
                  () -> samples(config, train));
          List<Mistake> mistakes =
              Stages.run(
                  spark.sparkContext(),
                  TrainingJob.GROUP,
                  "6 report: most confident mistakes on the held-out set",
                  () -> mistakes(spark, config, test, dir));
          report(config, metrics, samples, mistakes).write(dir);
        });
  }

  /**
   * The first training images of different labels (up to {@link #SAMPLES}) with copies 1..{@link
   * #COPIES} as this run's augmenter makes them: the same (seed, id, copy) seeding as {@link
   * AugmentAndBatchFunction}.
   */
  static List<TrainingReport.AugmentedSample> samples(
      TrainingConfig config, JavaRDD<DigitRecord> train) {
    Augmenter augmenter = new Augmenter(config.rotation(), config.zoom(), config.shift());
    List<DigitRecord> first = train.take(50 * SAMPLES);
    List<DigitRecord> picked = new ArrayList<>();
    Set<Integer> labels = new HashSet<>();
    for (DigitRecord r : first) {
      if (picked.size() < SAMPLES && r.getLabel() != null && labels.add(r.getLabel()))
        picked.add(r);
    }
    for (DigitRecord r : first) {
      if (picked.size() < SAMPLES && r.getLabel() != null && !picked.contains(r)) picked.add(r);
    }
    List<TrainingReport.AugmentedSample> out = new ArrayList<>();
    for (DigitRecord r : picked) {
      List<byte[]> copies = new ArrayList<>(COPIES);
      for (int c = 1; c <= COPIES; c++)
        copies.add(augmenter.augment(r.getPixels(), config.seed(), r.getId(), c));
      out.add(new TrainingReport.AugmentedSample(r.getId(), r.getLabel(), r.getPixels(), copies));
    }
    return out;
  }

  /**
   * The final network's {@link #MISTAKES} most confident mistakes: at most that many per partition
   * collected.
   */
  static List<Mistake> mistakes(
      SparkSession spark, TrainingConfig config, JavaRDD<DigitRecord> test, Path dir) {
    ModelArtifacts model =
        ModelArtifacts.read(
            dir.toAbsolutePath().toUri().toString(),
            new org.apache.hadoop.conf.Configuration(),
            Engine.ONNX);
    Broadcast<ModelArtifacts> bytes =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
    try {
      List<Mistake> perPartition =
          test.mapPartitions(new ConfidentMistakesFunction(bytes, config.evalBatchSize(), MISTAKES))
              .collect();
      return Mistake.top(perPartition, MISTAKES);
    } finally {
      bytes.destroy();
    }
  }

  static TrainingReport report(
      TrainingConfig config,
      TrainingMetrics metrics,
      List<TrainingReport.AugmentedSample> samples,
      List<Mistake> mistakes) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("model", config.model().cliName());
    facts.put(
        "training data",
        config.data() + (config.limit() > 0 ? " (first " + config.limit() + " images)" : ""));
    facts.put(
        "held-out data",
        config.testData() != null
            ? config.testData()
            : io.digitclassifier.io.DigitInputs.mnistImages(config.data(), false)
                .orElse(
                    Math.round(100 * config.testFraction())
                        + "% of the training data, stratified by label"));
    facts.put(
        "training images",
        String.format(
            Locale.ROOT,
            "%,d (x%d with augmentation: %,d per epoch)",
            metrics.trainImages(),
            1 + config.augmentCopies(),
            metrics.augmentedImagesPerEpoch()));
    facts.put("held-out images", String.format(Locale.ROOT, "%,d", metrics.testImages()));
    facts.put("epochs", Integer.toString(metrics.epochs().size()));
    facts.put(
        "workers",
        metrics.workers()
            + " (parameter averaging every "
            + config.averagingFrequency()
            + " minibatches of "
            + config.batchSize()
            + ")");
    facts.put("wall time", String.format(Locale.ROOT, "%.1f s", metrics.wallSeconds()));
    if (metrics.finalEvaluation() != null) {
      facts.put(
          "held-out accuracy",
          String.format(Locale.ROOT, "%.2f%%", 100 * metrics.finalEvaluation().accuracy()));
    }
    facts.put("output", config.output());
    StringBuilder versions = new StringBuilder();
    metrics
        .versions()
        .forEach(
            (k, v) ->
                versions
                    .append(versions.length() == 0 ? "" : ", ")
                    .append(k)
                    .append(' ')
                    .append(v));
    facts.put("versions", versions.toString());
    if (metrics.trainImagesPerLabel() != null)
      facts.put("training images per digit", perDigit(metrics.trainImagesPerLabel()));
    if (metrics.testImagesPerLabel() != null)
      facts.put("held-out images per digit", perDigit(metrics.testImagesPerLabel()));
    if (metrics.cluster() != null) {
      facts.put(
          "ran on",
          metrics.cluster().master()
              + ", application "
              + metrics.cluster().applicationId()
              + ", "
              + metrics.cluster().executors()
              + " executor(s), "
              + metrics.cluster().totalCores()
              + " cores");
    }
    if (metrics.natives() != null && metrics.natives().driver() != null) {
      Map<String, String> ex = metrics.natives().executors();
      facts.put(
          "ND4J natives",
          metrics.natives().driver().build()
              + " on the driver; executors: "
              + (ex != null && !ex.isEmpty() ? ex.values() : "none reported"));
    }

    List<TrainingReport.Epoch> epochs = new ArrayList<>();
    for (io.digitclassifier.ml.fit.EpochMetrics e : metrics.epochs()) {
      epochs.add(
          new TrainingReport.Epoch(
              e.epoch(),
              e.loss(),
              e.trainAccuracy(),
              e.testAccuracy(),
              e.seconds(),
              e.imagesPerSecond()));
    }
    String augmentation =
        String.format(
            Locale.ROOT,
            "Copies 1-%d as this run's augmenter makes them (rotation up to "
                + "%s degrees either way, zoom %s per axis, shift up to %s of the size, seed %d); %s",
            COPIES,
            strip(config.rotation()),
            "±" + strip(config.zoom()),
            strip(config.shift()),
            config.seed(),
            config.augmentCopies() == 0
                ? "this run trained without augmentation (--augment-copies 0)."
                : "this run trained on the original and "
                    + (config.augmentCopies() == 1
                        ? "copy 1"
                        : "copies 1-" + config.augmentCopies())
                    + " of every image, each epoch.");
    Map<String, Object> options =
        io.digitclassifier.storage.Json.MAPPER.convertValue(
            metrics.configuration(),
            new com.fasterxml.jackson.core.type.TypeReference<
                java.util.LinkedHashMap<String, Object>>() {});
    return new TrainingReport(
        config.model().cliName(),
        config.data(),
        facts,
        options,
        epochs,
        metrics.finalEvaluation(),
        samples,
        augmentation,
        mistakes);
  }

  private static String strip(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** {@code 0: 4132, 1: 4684, ...} */
  private static String perDigit(long[] counts) {
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d < counts.length; d++) {
      sb.append(d == 0 ? "" : ", ")
          .append(d)
          .append(": ")
          .append(String.format(Locale.ROOT, "%,d", counts[d]));
    }
    return sb.toString();
  }
}
