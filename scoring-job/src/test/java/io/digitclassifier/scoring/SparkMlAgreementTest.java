package io.digitclassifier.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.ml.MnistFrames;
import io.digitclassifier.ml.example.DigitsPipelineExample;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Spark ML example and {@code bin/score} agree: the pipeline's saved model stage,
 * scored by the job on the same rows, gives the accuracy MLlib's evaluator gave the stage's own
 * transform.
 */
class SparkMlAgreementTest extends SparkTestBase {
  @TempDir Path tmp;

  @Test
  void theScoringJobGivesTheEstimatorsModelTheSameAccuracyOnTheSameRows() throws Exception {
    String[] data = MnistFrames.parquet(spark, tmp, 2000, 400);
    double accuracy =
        DigitsPipelineExample.run(spark, data[0], data[1], tmp.resolve("pipeline").toString());
    Path stage;
    try (var stages = Files.list(tmp.resolve("pipeline/stages"))) {
      stage = stages.findFirst().orElseThrow();
    }
    ScoringSummary s =
        ScoringJob.run(
            ScoringConfig.parse(
                "--input",
                data[1],
                "--model",
                stage.toString(),
                "--output",
                tmp.resolve("scored").toString()),
            spark);
    assertThat(s.scored()).isEqualTo(400);
    assertThat(s.evaluation().accuracy()).isEqualTo(accuracy);
    assertThat(accuracy).isGreaterThan(0.8);
  }
}
