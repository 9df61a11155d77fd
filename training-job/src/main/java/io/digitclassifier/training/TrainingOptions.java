package io.digitclassifier.training;

import io.digitclassifier.io.DataFormat;
import io.digitclassifier.net.NetworkKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The training job's command line: each option once, with its default and description side by side. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = "Trains a digit CNN on Spark: read, split, normalize, augment in partitions, "
        + "parameter-averaged fit with Deeplearning4j, evaluate every epoch, write model.zip and metrics.json.")
public class TrainingOptions {

  @Option(names = "--data", defaultValue = "data/mnist",
      description = "Training data: MNIST IDX images file, a directory with MNIST's four IDX files, Kaggle CSV or Parquet.")
  String data;

  @Option(names = "--test-data", description = "Held-out data; without it a directory of MNIST IDX files uses "
      + "MNIST's own test files and any other input is split by --test-fraction.")
  String testData;

  @Option(names = "--data-format", description = "idx, csv or parquet; default: from the file name.")
  String dataFormat;

  @Option(names = "--test-fraction", defaultValue = "0.4",
      description = "Fraction held out (stratified, seeded) when there is no separate test data.")
  double testFraction;

  @Option(names = "--augment-copies", defaultValue = "1",
      description = "Augmented copies per training image (the original trained on 1 + 8 = 9x the data).")
  int augmentCopies;

  @Option(names = "--fresh-augmentation", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "New augmented copies every epoch (--no-fresh-augmentation: the same copies every epoch).")
  boolean freshAugmentation;

  @Option(names = "--rotation", defaultValue = "10", description = "Augmentation: maximum rotation in degrees, either way.")
  double rotation;

  @Option(names = "--zoom", defaultValue = "0.1", description = "Augmentation: zoom range per axis (0.1 = 90%..110%).")
  double zoom;

  @Option(names = "--shift", defaultValue = "0.1", description = "Augmentation: maximum shift as a fraction of width/height.")
  double shift;

  @Option(names = "--model", defaultValue = "vgg", description = "Network: vgg (VGG-style with batch normalisation), seed (the original's 3-branch CNN) or lenet.")
  String model;

  @Option(names = "--epochs", defaultValue = "12", description = "Passes over the (augmented) training data.")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "Minibatch size per worker.")
  int batchSize;

  @Option(names = "--averaging-frequency", defaultValue = "10",
      description = "Minibatches each worker fits between parameter averagings.")
  int averagingFrequency;

  @Option(names = "--workers", defaultValue = "0",
      description = "Parallel workers (dl4j-spark numWorkers); 0: Spark's default parallelism.")
  int workers;

  @Option(names = "--prefetch", defaultValue = "2", description = "Minibatches each worker prefetches asynchronously.")
  int prefetch;

  @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam's learning rate.")
  double learningRate;

  @Option(names = "--lr-schedule", defaultValue = "cosine",
      description = "Learning rate per epoch: constant, cosine (from --learning-rate towards 0 after the last epoch) "
          + "or exponential (times --lr-decay each epoch).")
  String lrSchedule;

  @Option(names = "--lr-decay", defaultValue = "0.9", description = "Factor per epoch of --lr-schedule exponential.")
  double lrDecay;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of every random number: split, augmentation, weights, order.")
  long seed;

  @Option(names = "--limit", defaultValue = "0", description = "Use at most this many training images (0: all), for quick runs.")
  long limit;

  @Option(names = "--output", defaultValue = "runs/train", description = "Output directory (a local path or a Hadoop URI: hdfs://, s3a://): model.zip, metrics.json, checkpoints/.")
  String output;

  @Option(names = "--overwrite", defaultValue = "false", description = "Replace an existing output directory.")
  boolean overwrite;

  @Option(names = "--resume", defaultValue = "false",
      description = "Continue from the last checkpoint of an interrupted (or finished) run in --output.")
  boolean resume;

  @Option(names = "--progress-seconds", defaultValue = "10", description = "Seconds between progress lines.")
  int progressSeconds;

  @Option(names = "--eval-batch-size", defaultValue = "256", description = "Minibatch size for evaluation.")
  int evalBatchSize;

  /** The typed, validated configuration. */
  public TrainingConfig toConfig() {
    return new TrainingConfig(data, testData, dataFormat == null || dataFormat.isBlank() ? null : DataFormat.parse(dataFormat),
        testFraction, augmentCopies, rotation, zoom, shift, NetworkKind.parse(model), epochs, batchSize,
        averagingFrequency, workers, prefetch, learningRate, seed, limit, output, overwrite, resume,
        progressSeconds, evalBatchSize, freshAugmentation, LearningRateSchedule.parse(lrSchedule), lrDecay);
  }
}
