package io.digitclassifier.training;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.ml.fit.DigitFit;
import io.digitclassifier.ml.fit.EpochMetrics;
import io.digitclassifier.ml.fit.LabelCounts;
import io.digitclassifier.ml.fit.StratifiedSample;
import io.digitclassifier.net.Networks;
import io.digitclassifier.spark.JobMain;
import io.digitclassifier.spark.NativesPlugin;
import io.digitclassifier.spark.SparkSessions;
import io.digitclassifier.spark.Stages;
import io.digitclassifier.spark.Versions;
import io.digitclassifier.storage.AtomicOutput;
import io.digitclassifier.storage.Hashing;
import io.digitclassifier.storage.Json;
import io.digitclassifier.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training job: read -> split -> normalize -> augment (in partitions) -> parameter-averaged fit
 * -> evaluate each epoch -> write {@code model.zip}, {@code metrics.json} and a checkpoint per
 * epoch. Each stage runs under its own Spark job group, so the Spark UI reads like the pipeline.
 */
public final class TrainingJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
  private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d+)\\.zip");
  static final String GROUP = DigitFit.GROUP;

  private final TrainingConfig config;
  private final SparkSession spark;
  private final JavaSparkContext jsc;

  TrainingJob(TrainingConfig config, SparkSession spark) {
    this.config = config;
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  /**
   * Parses the command line, runs the job and exits: 0 done, 1 bad input or failure, 2 bad usage.
   */
  public static void main(String[] args) {
    JobMain.exit(execute(args));
  }

  static int execute(String[] args) {
    return JobMain.execute(
        args,
        new TrainingConfig(),
        "training",
        "digitclassifier-train",
        config -> {},
        (config, spark) -> {
          TrainingMetrics metrics = run(config, spark);
          return String.format(
              "Trained %s: test accuracy %.4f on %d images; model in %s",
              config.model().cliName(),
              metrics.finalEvaluation().accuracy(),
              metrics.testImages(),
              Storage.display(
                  Storage.qualify(config.output(), spark.sparkContext().hadoopConfiguration())));
        });
  }

  /**
   * Runs the whole pipeline with a typed configuration; everything below the command line is
   * testable here.
   */
  public static TrainingMetrics run(TrainingConfig config, SparkSession spark) {
    return new TrainingJob(config, spark).run();
  }

  private TrainingMetrics run() {
    LOG.info("Training configuration: {}", config);
    AtomicOutput output =
        AtomicOutput.begin(
            config.output(),
            spark.sparkContext().hadoopConfiguration(),
            config.overwrite(),
            config.resume(),
            io.digitclassifier.storage.OutputLock.describe(
                "training " + spark.sparkContext().applicationId()));
    try {
      if (config.resume()) prepareResume(output);
      return run(output);
    } catch (
        Exception e) { // Spark's SparkException is checked, thrown from Scala without a declaration
      // Checkpoints are what --resume continues from: keep them; anything less is a half-written
      // output.
      if (lastCheckpoint(output.local()).isPresent()) {
        LOG.error(
            "Training failed; checkpoints kept in {}: rerun with --resume to continue",
            Storage.display(output.work()));
        output.release();
      } else {
        output.abort();
      }
      throw e;
    }
  }

  private TrainingMetrics run(AtomicOutput output) {
    long wallStart = System.nanoTime();
    Path work = output.local();

    int workers = config.workers() > 0 ? config.workers() : jsc.defaultParallelism();
    Inputs inputs = resolveInputs();
    JavaRDD<DigitRecord>[] split =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "1 read + split: " + inputs.describe(),
            () -> readAndSplit(inputs, workers));
    JavaRDD<DigitRecord> train = split[0].persist(StorageLevel.MEMORY_ONLY());
    JavaRDD<DigitRecord> test = split[1];
    LabelCounts trainLabels =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "1 read: count training images per digit",
            () -> LabelCounts.of(train));
    LabelCounts testLabels =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "1 read: count held-out images per digit",
            () -> LabelCounts.of(test));
    if (inputs.test() != null) requireLabels(inputs.test(), testLabels, "evaluate on");
    checkClasses(inputs, trainLabels, testLabels);
    long trainCount = trainLabels.total();

    JavaRDD<DataSet> testBatches =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "2 normalize: held-out set",
            () ->
                DigitFit.toBatches(test, config.evalBatchSize())
                    .persist(StorageLevel.MEMORY_ONLY()));
    // a stratified sample, not the first images: the training set may be ordered by label
    JavaRDD<DataSet> trainSample =
        DigitFit.toBatches(
                StratifiedSample.sample(
                    spark, train, trainLabels, DigitFit.TRAIN_EVAL_SAMPLE, config.seed() + 1),
                config.evalBatchSize())
            .persist(StorageLevel.MEMORY_ONLY());
    long testCount =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "2 normalize: count held-out images",
            () -> testBatches.map(DataSet::numExamples).fold(0, Integer::sum).longValue());
    long perEpoch = config.fitSettings().imagesPerEpoch(trainCount);
    LOG.info(
        "Data: {} training images (x{} with augmentation = {} per epoch), {} held out, {} workers",
        trainCount,
        1 + config.augmentCopies(),
        perEpoch,
        testCount,
        workers);

    Map<String, Hashing.Content> contents =
        Stages.run(
            spark.sparkContext(),
            GROUP,
            "0 hash inputs",
            () -> inputs.contents(spark.sparkContext().hadoopConfiguration()));
    Map<String, String> hashes = new LinkedHashMap<>();
    Map<String, Long> inputFiles = new LinkedHashMap<>();
    contents.forEach(
        (path, c) -> {
          hashes.put(path, c.sha256());
          inputFiles.put(path, c.files());
        });
    List<EpochMetrics> history = new ArrayList<>();
    ComputationGraph net = startingNetwork(work, history, hashes);

    DigitFit.Result fitted =
        DigitFit.fit(
            spark,
            config.fitSettings(),
            workers,
            net,
            train,
            trainCount,
            testBatches,
            trainSample,
            history,
            (m, network) -> {
              // a checkpoint per epoch, and the metrics so far: on a remote filesystem they must be
              // there, not only on
              // this machine, for --resume
              String checkpoint = ModelFiles.CHECKPOINTS + "/epoch-" + m.epoch() + ".zip";
              ModelFiles.save(network, work.resolve(checkpoint));
              history.add(m);
              Json.write(
                  metrics(
                      hashes,
                      inputFiles,
                      trainLabels,
                      testLabels,
                      testCount,
                      perEpoch,
                      workers,
                      history,
                      null,
                      wallStart),
                  work.resolve(ModelFiles.METRICS));
              output.publish(checkpoint);
              output.publish(ModelFiles.METRICS);
            });
    ComputationGraph trained = fitted.network();
    testBatches.unpersist(false);
    trainSample.unpersist(false);
    train.unpersist(false);

    ModelFiles.save(trained, work.resolve(ModelFiles.MODEL));
    ModelFiles.saveOnnx(trained, work); // the prediction engine's copy, beside it
    TrainingMetrics metrics =
        metrics(
            hashes,
            inputFiles,
            trainLabels,
            testLabels,
            testCount,
            perEpoch,
            workers,
            fitted.epochs(),
            fitted.heldOut(),
            wallStart);
    Json.write(metrics, work.resolve(ModelFiles.METRICS));
    TrainingReportWriter.write(spark, config, metrics, train, test, work);
    output.commit();
    LOG.info(
        "Wrote {}, {} and {} to {}",
        ModelFiles.MODEL,
        ModelFiles.ONNX,
        ModelFiles.METRICS,
        Storage.display(output.target()));
    return metrics;
  }

  private TrainingMetrics metrics(
      Map<String, String> hashes,
      Map<String, Long> inputFiles,
      LabelCounts trainLabels,
      LabelCounts testLabels,
      long testCount,
      long perEpoch,
      int workers,
      List<EpochMetrics> history,
      EvaluationSummary last,
      long wallStart) {
    return new TrainingMetrics(
        config,
        Versions.all(),
        SparkSessions.whereItRuns(spark),
        NativesPlugin.describe(),
        hashes,
        inputFiles,
        trainLabels.total(),
        testCount,
        trainLabels.perLabel(),
        testLabels.perLabel(),
        perEpoch,
        workers,
        List.copyOf(history),
        last,
        (System.nanoTime() - wallStart) / 1e9);
  }

  /**
   * Refuses a training set that lacks a digit (the network could never name it) and warns when a
   * digit is scarce in it or missing from the held-out set; logs the counts either way.
   */
  private void checkClasses(Inputs inputs, LabelCounts train, LabelCounts test) {
    LOG.info("Training images per digit: {}", train.describe());
    LOG.info("Held-out images per digit: {}", test.describe());
    if (train.total() == 0)
      throw new IllegalArgumentException("Cannot train: no training images in " + inputs.train());
    if (!train.missing().isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot train: the training images have no digit "
              + join(train.missing())
              + " (training images per digit: "
              + train.describe()
              + "), from "
              + inputs.train()
              + (config.limit() > 0 ? " with --limit " + config.limit() : ""));
    }
    if (!train.scarce().isEmpty()) {
      LOG.warn(
          "The training images are unbalanced: digit {} has less than half an even share (training images "
              + "per digit: {})",
          join(train.scarce()),
          train.describe());
    }
    if (!test.missing().isEmpty()) {
      LOG.warn(
          "The held-out images have no digit {}: its recall will read 0 (held-out images per digit: {})",
          join(test.missing()),
          test.describe());
    }
  }

  /**
   * Refuses a file whose records carry no label (Kaggle's test.csv, an IDX images file without its
   * labels file): there is nothing to learn from, or to evaluate against.
   */
  private void requireLabels(String path, LabelCounts counts, String what) {
    if (counts.unlabelled() == 0) return;
    if (counts.labelled() > 0) {
      throw new IllegalArgumentException(
          "Cannot "
              + what
              + " "
              + path
              + ": "
              + counts.unlabelled()
              + " of "
              + counts.total()
              + " records have no label");
    }
    DataFormat format =
        config.dataFormat() != null
            ? config.dataFormat()
            : DataFormat.detect(path, spark.sparkContext().hadoopConfiguration());
    throw new IllegalArgumentException(
        "Cannot "
            + what
            + " "
            + path
            + ": "
            + switch (format) {
              case IDX -> "it has no labels (no labels file, *-labels-idx1-ubyte, beside it)";
              case IMAGES -> "its images have no labels (they are not in folders named 0 to 9)";
              default ->
                  "it has no label column (a file of unlabelled digits, such as Kaggle's test.csv, is for bin/score)";
            });
  }

  private static String join(List<Integer> digits) {
    return digits.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
  }

  /** Training and held-out inputs as the user gave them, or MNIST's own pair from a directory. */
  record Inputs(String train, String test) {
    String describe() {
      return test == null ? train : train + " / " + test;
    }

    /**
     * Each input file's or directory's content ({@link Hashing#content}: a directory's manifest),
     * by path.
     */
    Map<String, Hashing.Content> contents(org.apache.hadoop.conf.Configuration conf) {
      Map<String, Hashing.Content> out = new LinkedHashMap<>();
      for (String p : new String[] {train, test}) {
        if (p == null) continue;
        out.put(p, Hashing.content(p, conf));
        String labels = io.digitclassifier.io.IdxDigitReader.labelsFileFor(p, conf);
        if (labels != null) out.put(labels, Hashing.content(labels, conf));
      }
      return out;
    }
  }

  private Inputs resolveInputs() {
    String data = config.data();
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    Optional<String> mnistTrain = DigitInputs.mnistImages(data, true, conf);
    if (mnistTrain.isPresent()) {
      String test =
          config.testData() != null
              ? config.testData()
              : DigitInputs.mnistImages(data, false, conf).orElse(null);
      return new Inputs(mnistTrain.get(), test);
    }
    if (!Storage.exists(data, conf)) {
      throw new IllegalArgumentException(
          "Cannot read training data "
              + data
              + ": no such file or directory"
              + ("data/mnist".equals(data)
                  ? "; run bin/fetch-mnist to fetch MNIST, or pass --data"
                  : ""));
    }
    return new Inputs(data, config.testData());
  }

  private JavaRDD<DigitRecord>[] readAndSplit(Inputs inputs, int workers) {
    JavaRDD<DigitRecord> all =
        DigitInputs.read(spark, inputs.train(), config.dataFormat(), BadRecordPolicy.FAIL, workers);
    LabelCounts allLabels = LabelCounts.of(all);
    requireLabels(inputs.train(), allLabels, "train on");
    JavaRDD<DigitRecord> train;
    JavaRDD<DigitRecord> test;
    LabelCounts trainLabels;
    if (inputs.test() != null) {
      train = all;
      trainLabels = allLabels;
      test =
          DigitInputs.read(
              spark, inputs.test(), config.dataFormat(), BadRecordPolicy.FAIL, workers);
    } else {
      JavaRDD<DigitRecord>[] s =
          StratifiedSplit.split(spark, all, config.testFraction(), config.seed());
      train = s[0];
      test = s[1];
      trainLabels = config.limit() > 0 ? LabelCounts.of(train) : null;
    }
    if (config.limit() > 0) {
      // a seeded sample in proportion to the labels: the split leaves the training set ordered by
      // label
      train = StratifiedSample.sample(spark, train, trainLabels, config.limit(), config.seed());
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    JavaRDD<DigitRecord>[] result = new JavaRDD[] {train, test};
    return result;
  }

  /**
   * A new network, or the last checkpoint's when resuming (its finished epochs go into {@code
   * history}).
   */
  /**
   * The network to train: with --resume, the latest checkpoint that loads (a damaged one, such as a
   * kill left half written, is skipped for the one before, with a warning), after checking that the
   * run it continues had the same network, seed, batch size and data; otherwise a new one.
   */
  private ComputationGraph startingNetwork(
      Path work, List<EpochMetrics> history, Map<String, String> hashes) {
    if (config.resume()) {
      List<Integer> epochs = checkpoints(work);
      Path metricsFile = work.resolve(ModelFiles.METRICS);
      TrainingMetrics before =
          epochs.isEmpty() || !Files.isRegularFile(metricsFile)
              ? null
              : Json.read(metricsFile, TrainingMetrics.class);
      if (before != null) checkSameRun(before, hashes);
      for (int k = epochs.size() - 1; k >= 0; k--) {
        int n = epochs.get(k);
        Path file = work.resolve(ModelFiles.CHECKPOINTS).resolve("epoch-" + n + ".zip");
        ComputationGraph net;
        try {
          net = ModelFiles.load(file, true);
        } catch (IllegalArgumentException damaged) {
          LOG.warn(
              "Checkpoint {} is damaged ({}): {}",
              file,
              damaged.getMessage(),
              k > 0
                  ? "resuming from epoch-" + epochs.get(k - 1) + ".zip instead"
                  : "starting from scratch");
          continue;
        }
        if (before != null)
          before.epochs().stream().filter(m -> m.epoch() <= n).forEach(history::add);
        LOG.info("Resuming from checkpoint epoch-{}.zip ({} epochs done)", n, n);
        while (history.size() < n)
          history.add(
              new EpochMetrics(
                  history.size() + 1, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, Double.NaN));
        return net;
      }
      LOG.warn("--resume: no usable checkpoint in {}; starting from scratch", work);
    }
    return Networks.build(config.model(), new Adam(config.learningRate()), config.seed());
  }

  /**
   * Refuses to continue a run whose network, seed, batch size or data differ from this one's,
   * naming what differs.
   */
  private void checkSameRun(TrainingMetrics before, Map<String, String> hashes) {
    List<String> differences = new ArrayList<>();
    TrainingConfig then = before.configuration();
    // a configuration without its network is not a whole record of the run (hand-edited or cut
    // short): not compared
    if (then != null && then.model() != null) {
      if (then.model() != config.model())
        differences.add(
            "model " + then.model().cliName() + " then, " + config.model().cliName() + " now");
      if (then.seed() != config.seed())
        differences.add("seed " + then.seed() + " then, " + config.seed() + " now");
      if (then.batchSize() != config.batchSize())
        differences.add("batchSize " + then.batchSize() + " then, " + config.batchSize() + " now");
    }
    if (before.inputs() != null
        && !before.inputs().isEmpty()
        && !new java.util.TreeSet<>(before.inputs().values())
            .equals(new java.util.TreeSet<>(hashes.values()))) {
      differences.add("the data's SHA-256 " + before.inputs() + " then, " + hashes + " now");
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot resume "
              + config.output()
              + ": this run differs from the one it "
              + "continues ("
              + String.join("; ", differences)
              + "); train into a new --output, or --overwrite");
    }
  }

  /** The epochs of the checkpoints in {@code dir}, ascending. */
  static List<Integer> checkpoints(Path dir) {
    Path checkpoints = dir.resolve(ModelFiles.CHECKPOINTS);
    if (!Files.isDirectory(checkpoints)) return List.of();
    try (Stream<Path> files = Files.list(checkpoints)) {
      return files
          .map(p -> CHECKPOINT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .map(m -> Integer.parseInt(m.group(1)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * With --resume: continue an interrupted run's work directory, or a finished output's
   * checkpoints.
   */
  private void prepareResume(AtomicOutput output) {
    if (lastCheckpoint(output.local()).isPresent()) return;
    if (Storage.isDirectory(
        output.target().toString(), spark.sparkContext().hadoopConfiguration())) {
      output.copyTargetIntoWork();
    }
  }

  static Optional<Integer> lastCheckpoint(Path dir) {
    List<Integer> epochs = checkpoints(dir);
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }
}
