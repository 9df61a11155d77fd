package io.digitclassifier.scoring;

import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.predict.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scoring job's options, each declared once (name, type, default, description: {@link
 * CommandOptions}), and the resolved configuration of one run (command line > {@code
 * conf/scoring.properties} > built-in).
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    description =
        "Scores digit images with a trained model on Spark and writes Parquet or CSV, a summary and, "
            + "on request, a Kaggle submission file.")
public final class ScoringConfig extends CommandOptions {
  private static final long serialVersionUID = 1L;

  @Option(
      names = "--input",
      required = true,
      description =
          "Digits to score: Kaggle CSV, MNIST IDX images file, Parquet, or a folder of images (PNG, JPEG, BMP, GIF, TIFF, WebP).")
  private String input;

  @Option(
      names = "--input-format",
      description = "idx, csv, parquet or images; default: from the path.")
  private DataFormat inputFormat;

  @Option(
      names = "--model",
      defaultValue = "runs/train",
      description =
          "A training output directory or its model.zip (a local path or a Hadoop URI: hdfs://, s3a://).")
  private String model;

  @Option(
      names = "--output",
      defaultValue = "runs/score",
      description = "Output directory (a local path or a Hadoop URI).")
  private String output;

  @Option(names = "--output-format", defaultValue = "parquet", description = "parquet or csv.")
  private OutputFormat outputFormat;

  @Option(
      names = "--probabilities",
      defaultValue = "false",
      description = "Also write the ten class probabilities.")
  private boolean probabilities;

  @Option(
      names = "--kaggle-submission",
      description =
          "Also write this CSV file (a local path or a Hadoop URI): ImageId,Label, one row per input image.")
  private String kaggleSubmission;

  @Option(names = "--batch-size", defaultValue = "256", description = "Images per forward pass.")
  private int batchSize;

  @Option(
      names = "--engine",
      defaultValue = "onnx",
      description =
          "onnx: the model's ONNX export through ONNX Runtime; dl4j: the DL4J network itself (the reference).")
  private Engine engine;

  @Option(
      names = "--on-bad-record",
      defaultValue = "fail",
      description =
          "fail: stop at the first bad record, write nothing; quarantine: score the rest, write bad ones under _rejected/.")
  private BadRecordPolicy onBadRecord;

  @Option(
      names = "--overwrite",
      defaultValue = "false",
      description = "Replace an existing output directory.")
  private boolean overwrite;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "Read partitions (0: at least one per core, more for large inputs).")
  private int partitions;

  @Option(
      names = "--report-samples",
      defaultValue = "24",
      description =
          "Image folders: inputs shown in _report.html beside the 28x28 digit the network was given (misread ones first); 0 for none.")
  private int reportSamples;

  /** The options over the built-in defaults (no conf file), validated: tests and benchmarks. */
  public static ScoringConfig parse(String... args) {
    return CommandOptions.parse(new ScoringConfig(), args);
  }

  @Override
  public void validate() {
    if (batchSize < 1)
      throw new IllegalArgumentException(
          "Cannot score: --batch-size must be >= 1, got " + batchSize);
    if (partitions < 0)
      throw new IllegalArgumentException(
          "Cannot score: --partitions must be >= 0, got " + partitions);
    if (reportSamples < 0) {
      throw new IllegalArgumentException(
          "Cannot score: --report-samples must be >= 0, got " + reportSamples);
    }
  }

  public String input() {
    return input;
  }

  public DataFormat inputFormat() {
    return inputFormat;
  }

  public String model() {
    return model;
  }

  public String output() {
    return output;
  }

  public OutputFormat outputFormat() {
    return outputFormat;
  }

  public boolean probabilities() {
    return probabilities;
  }

  public String kaggleSubmission() {
    return kaggleSubmission;
  }

  public int batchSize() {
    return batchSize;
  }

  public Engine engine() {
    return engine;
  }

  public BadRecordPolicy onBadRecord() {
    return onBadRecord;
  }

  public boolean overwrite() {
    return overwrite;
  }

  public int partitions() {
    return partitions;
  }

  public int reportSamples() {
    return reportSamples;
  }
}
