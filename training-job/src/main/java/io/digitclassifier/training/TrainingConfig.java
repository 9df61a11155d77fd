package io.digitclassifier.training;

import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.ml.fit.FitSettings;
import io.digitclassifier.ml.fit.LearningRateSchedule;
import io.digitclassifier.net.NetworkKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The training job's options, each declared once (name, type, default, description: {@link
 * CommandOptions}), and the resolved configuration of one run (command line > {@code
 * conf/training.properties} > built-in). Written into {@code metrics.json} as it is.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    description =
        "Trains a digit CNN on Spark: read, split, normalize, augment in partitions, "
            + "parameter-averaged fit with Deeplearning4j, evaluate every epoch, write model.zip and metrics.json.")
public final class TrainingConfig extends CommandOptions {
  private static final long serialVersionUID = 1L;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description =
          "Training data: MNIST IDX images file, a directory with MNIST's four IDX files, Kaggle CSV, "
              + "Parquet or a folder of images in folders named 0 to 9.")
  private String data;

  @Option(
      names = "--test-data",
      description =
          "Held-out data; without it a directory of MNIST IDX files uses "
              + "MNIST's own test files and any other input is split by --test-fraction.")
  private String testData;

  @Option(
      names = "--data-format",
      description =
          "idx, csv, parquet or images (a folder of images in folders named 0 to 9); default: from the name.")
  private DataFormat dataFormat;

  @Option(
      names = "--test-fraction",
      defaultValue = "0.4",
      description = "Fraction held out (stratified, seeded) when there is no separate test data.")
  private double testFraction;

  @Option(
      names = "--augment-copies",
      defaultValue = "1",
      description =
          "Augmented copies of each training image per epoch; 0: none. (The original used 8 fixed "
              + "copies: --augment-copies 8 --no-fresh-augmentation.)")
  private int augmentCopies;

  @Option(
      names = "--fresh-augmentation",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "New augmented copies every epoch (--no-fresh-augmentation: the same copies every epoch).")
  private boolean freshAugmentation;

  @Option(
      names = "--rotation",
      defaultValue = "10",
      description = "Augmentation: maximum rotation in degrees, either way.")
  private double rotation;

  @Option(
      names = "--zoom",
      defaultValue = "0.1",
      description = "Augmentation: zoom range per axis (0.1 = 90%%..110%%).")
  private double zoom;

  @Option(
      names = "--shift",
      defaultValue = "0.1",
      description = "Augmentation: maximum shift as a fraction of width/height.")
  private double shift;

  @Option(
      names = "--model",
      defaultValue = "vgg",
      description =
          "Network: vgg (VGG-style with batch normalisation), seed (the original's 3-branch CNN) or lenet.")
  private NetworkKind model;

  @Option(
      names = "--epochs",
      defaultValue = "12",
      description = "Passes over the (augmented) training data.")
  private int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "Minibatch size per worker.")
  private int batchSize;

  @Option(
      names = "--averaging-frequency",
      defaultValue = "10",
      description = "Minibatches each worker fits between parameter averagings.")
  private int averagingFrequency;

  @Option(
      names = "--workers",
      defaultValue = "0",
      description = "Parallel workers (dl4j-spark numWorkers); 0: Spark's default parallelism.")
  private int workers;

  @Option(
      names = "--prefetch",
      defaultValue = "2",
      description = "Minibatches each worker prefetches asynchronously.")
  private int prefetch;

  @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam's learning rate.")
  private double learningRate;

  @Option(
      names = "--lr-schedule",
      defaultValue = "cosine",
      description =
          "Learning rate per epoch: constant, cosine (from --learning-rate towards 0 after the last epoch) "
              + "or exponential (times --lr-decay each epoch).")
  private LearningRateSchedule lrSchedule;

  @Option(
      names = "--lr-decay",
      defaultValue = "0.9",
      description = "Factor per epoch of --lr-schedule exponential.")
  private double lrDecay;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of every random number: split, augmentation, weights, order.")
  private long seed;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Use at most this many training images (0: all), for quick runs.")
  private long limit;

  @Option(
      names = "--output",
      defaultValue = "runs/train",
      description =
          "Output directory (a local path or a Hadoop URI: hdfs://, s3a://): model.zip, metrics.json, checkpoints/.")
  private String output;

  @Option(
      names = "--overwrite",
      defaultValue = "false",
      description = "Replace an existing output directory.")
  private boolean overwrite;

  @Option(
      names = "--resume",
      defaultValue = "false",
      description =
          "Continue from the last checkpoint of an interrupted (or finished) run in --output.")
  private boolean resume;

  @Option(
      names = "--progress-seconds",
      defaultValue = "10",
      description = "Seconds between progress lines.")
  private int progressSeconds;

  @Option(
      names = "--eval-batch-size",
      defaultValue = "256",
      description = "Minibatch size for evaluation.")
  private int evalBatchSize;

  /** The options over the built-in defaults (no conf file), validated: tests and benchmarks. */
  public static TrainingConfig parse(String... args) {
    return CommandOptions.parse(new TrainingConfig(), args);
  }

  /** Checks what picocli cannot: ranges and combinations. */
  @Override
  public void validate() {
    require(
        testFraction > 0 && testFraction < 1,
        "--test-fraction must be between 0 and 1, got " + testFraction);
    require(augmentCopies >= 0, "--augment-copies must be >= 0, got " + augmentCopies);
    require(epochs >= 1, "--epochs must be >= 1, got " + epochs);
    require(batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
    require(
        averagingFrequency >= 1, "--averaging-frequency must be >= 1, got " + averagingFrequency);
    require(
        workers >= 0, "--workers must be >= 0 (0: Spark's default parallelism), got " + workers);
    require(prefetch >= 0, "--prefetch must be >= 0, got " + prefetch);
    require(learningRate > 0, "--learning-rate must be > 0, got " + learningRate);
    require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1], got " + lrDecay);
    require(limit >= 0, "--limit must be >= 0 (0: no limit), got " + limit);
    require(!(overwrite && resume), "--overwrite and --resume exclude each other");
  }

  public String data() {
    return data;
  }

  public String testData() {
    return testData;
  }

  public DataFormat dataFormat() {
    return dataFormat;
  }

  public double testFraction() {
    return testFraction;
  }

  public int augmentCopies() {
    return augmentCopies;
  }

  public boolean freshAugmentation() {
    return freshAugmentation;
  }

  public double rotation() {
    return rotation;
  }

  public double zoom() {
    return zoom;
  }

  public double shift() {
    return shift;
  }

  public NetworkKind model() {
    return model;
  }

  public int epochs() {
    return epochs;
  }

  public int batchSize() {
    return batchSize;
  }

  public int averagingFrequency() {
    return averagingFrequency;
  }

  public int workers() {
    return workers;
  }

  public int prefetch() {
    return prefetch;
  }

  public double learningRate() {
    return learningRate;
  }

  public LearningRateSchedule lrSchedule() {
    return lrSchedule;
  }

  public double lrDecay() {
    return lrDecay;
  }

  public long seed() {
    return seed;
  }

  public long limit() {
    return limit;
  }

  public String output() {
    return output;
  }

  public boolean overwrite() {
    return overwrite;
  }

  public boolean resume() {
    return resume;
  }

  public int progressSeconds() {
    return progressSeconds;
  }

  public int evalBatchSize() {
    return evalBatchSize;
  }

  /**
   * What the fit itself needs of these options (the same record a {@code DigitClassifier}'s params
   * give).
   */
  public FitSettings fitSettings() {
    return new FitSettings(
        model,
        epochs,
        batchSize,
        averagingFrequency,
        workers,
        prefetch,
        augmentCopies,
        freshAugmentation,
        rotation,
        zoom,
        shift,
        learningRate,
        lrSchedule,
        lrDecay,
        seed,
        evalBatchSize,
        progressSeconds);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException("Cannot train: " + message);
  }
}
