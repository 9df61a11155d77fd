package io.digitclassifier.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.ReadmeOptions;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import org.junit.jupiter.api.Test;

class ScoringOptionsTest {
  @Test
  void docsTableIsTheDeclaredOptions() {
    ReadmeOptions.assertTableMatches(
        new ScoringConfig(), "docs/scoring.md", "## The command and its options");
  }

  @Test
  void optionsPageIsGeneratedFromTheDeclarations() {
    io.digitclassifier.OptionsDoc.assertSectionMatches("bin/score", new ScoringConfig());
  }

  @Test
  void enumOptionsTakeAnyCaseAndNameTheChoicesOnError() {
    ScoringConfig config =
        ScoringConfig.parse(
            "--input",
            "x",
            "--input-format",
            "Images",
            "--output-format",
            "CSV",
            "--on-bad-record",
            "quarantine");
    assertThat(config.inputFormat()).isEqualTo(DataFormat.IMAGES);
    assertThat(config.outputFormat()).isEqualTo(OutputFormat.CSV);
    assertThat(config.onBadRecord()).isEqualTo(BadRecordPolicy.QUARANTINE);
    assertThat(ScoringConfig.parse("--input", "x").inputFormat()).isNull();
    assertThatThrownBy(() -> ScoringConfig.parse("--input", "x", "--input-format", "tiff"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid value for option '--input-format': expected one of [IDX, CSV, PARQUET, IMAGES] "
                + "(case-insensitive) but was 'tiff'");
    assertThatThrownBy(() -> ScoringConfig.parse("--input", "x", "--batch-size", "0"))
        .hasMessage("Cannot score: --batch-size must be >= 1, got 0");
  }
}
