package io.digitclassifier.scoring;

import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import java.io.Serializable;

/**
 * The resolved, immutable configuration of one scoring run.
 *
 * @param inputFormat forced input format, or null to tell it from the path
 * @param kaggleSubmission where to write {@code ImageId,Label}, or null
 * @param partitions read partitions; 0 lets the reader choose
 * @param reportSamples image folders: inputs shown in the report beside what the network saw; 0 for none
 */
public record ScoringConfig(
    String input,
    DataFormat inputFormat,
    String model,
    String output,
    OutputFormat outputFormat,
    boolean probabilities,
    String kaggleSubmission,
    int batchSize,
    BadRecordPolicy onBadRecord,
    boolean overwrite,
    int partitions,
    int reportSamples) implements Serializable {

  public ScoringConfig {
    if (batchSize < 1) throw new IllegalArgumentException("Cannot score: --batch-size must be >= 1, got " + batchSize);
    if (partitions < 0) throw new IllegalArgumentException("Cannot score: --partitions must be >= 0, got " + partitions);
    if (reportSamples < 0) {
      throw new IllegalArgumentException("Cannot score: --report-samples must be >= 0, got " + reportSamples);
    }
  }
}
