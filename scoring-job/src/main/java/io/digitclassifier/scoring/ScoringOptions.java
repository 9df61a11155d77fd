package io.digitclassifier.scoring;

import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The scoring job's command line: each option once, with its default and description side by side. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = "Scores digit images with a trained model on Spark and writes Parquet or CSV, a summary and, "
        + "on request, a Kaggle submission file.")
public class ScoringOptions {

  @Option(names = "--input", required = true,
      description = "Digits to score: Kaggle CSV, MNIST IDX images file, Parquet, or a folder of PNG/JPEG/BMP/GIF images.")
  String input;

  @Option(names = "--input-format", description = "idx, csv, parquet or images; default: from the path.")
  String inputFormat;

  @Option(names = "--model", defaultValue = "runs/train", description = "A training output directory or its model.zip (a local path or a Hadoop URI: hdfs://, s3a://).")
  String model;

  @Option(names = "--output", defaultValue = "runs/score", description = "Output directory (a local path or a Hadoop URI).")
  String output;

  @Option(names = "--output-format", defaultValue = "parquet", description = "parquet or csv.")
  String outputFormat;

  @Option(names = "--probabilities", defaultValue = "false", description = "Also write the ten class probabilities.")
  boolean probabilities;

  @Option(names = "--kaggle-submission", description = "Also write this CSV file (a local path or a Hadoop URI): ImageId,Label, one row per input image.")
  String kaggleSubmission;

  @Option(names = "--batch-size", defaultValue = "256", description = "Images per forward pass.")
  int batchSize;

  @Option(names = "--on-bad-record", defaultValue = "fail",
      description = "fail: stop at the first bad record, write nothing; quarantine: score the rest, write bad ones under _rejected/.")
  String onBadRecord;

  @Option(names = "--overwrite", defaultValue = "false", description = "Replace an existing output directory.")
  boolean overwrite;

  @Option(names = "--partitions", defaultValue = "0", description = "Read partitions (0: at least one per core, more for large inputs).")
  int partitions;

  @Option(names = "--report-samples", defaultValue = "24",
      description = "Image folders: inputs shown in _report.html beside the 28x28 digit the network was given (misread ones first); 0 for none.")
  int reportSamples;

  public ScoringConfig toConfig() {
    BadRecordPolicy policy = switch (onBadRecord.trim().toLowerCase(Locale.ROOT)) {
      case "fail" -> BadRecordPolicy.FAIL;
      case "quarantine" -> BadRecordPolicy.QUARANTINE;
      default -> throw new IllegalArgumentException("Cannot use --on-bad-record " + onBadRecord + ": expected fail or quarantine");
    };
    return new ScoringConfig(input, inputFormat == null || inputFormat.isBlank() ? null : DataFormat.parse(inputFormat),
        model, output, OutputFormat.parse(outputFormat), probabilities, kaggleSubmission, batchSize, policy, overwrite,
        partitions, reportSamples);
  }
}
