package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.TestModels;
import io.digitclassifier.TestParquet;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training set's digits, on the paths users take: Kaggle's format (one labelled file, split 0.4
 * as the original did) and Parquet, with --limit; a set that lacks a digit; a file without labels.
 */
class TrainingClassesTest extends SparkTestBase {
  @TempDir static Path dir;
  static List<DigitRecord> digits;
  static Path csv;
  static Path parquet;

  @BeforeAll
  static void writeInputs() {
    digits =
        DigitInputs.read(
                spark,
                TestModels.mnist().resolve("train-images-idx3-ubyte").toString(),
                null,
                BadRecordPolicy.FAIL,
                2)
            .take(3000);
    csv = TestDigits.writeCsv(dir.resolve("train.csv"), digits, true);
    parquet = TestParquet.writeBinary(spark, dir.resolve("train.parquet"), digits);
  }

  private static TrainingConfig config(String data, long limit, Path output) {
    return TrainingConfig.parse(
        "--data",
        data,
        "--augment-copies",
        "0",
        "--model",
        "lenet",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--averaging-frequency",
        "5",
        "--workers",
        "2",
        "--limit",
        "" + limit,
        "--output",
        output.toString(),
        "--overwrite",
        "--progress-seconds",
        "5",
        "--lr-schedule",
        "constant");
  }

  @ParameterizedTest
  @ValueSource(strings = {"csv", "parquet"})
  void limitKeepsEveryDigitInProportionAndTheHeldOutSetWhole(String format) {
    Path input = format.equals("csv") ? csv : parquet;
    TrainingMetrics m =
        TrainingJob.run(config(input.toString(), 1000, dir.resolve("limit-" + format)), spark);

    long[] perLabel = new long[10];
    digits.forEach(d -> perLabel[d.getLabel()]++);
    long[] heldOut = new long[10];
    long[] trainSplit = new long[10];
    long trainTotal = 0;
    for (int d = 0; d < 10; d++) {
      heldOut[d] = Math.round(perLabel[d] * 0.4);
      trainSplit[d] = perLabel[d] - heldOut[d];
      trainTotal += trainSplit[d];
    }
    assertThat(m.trainImages()).isEqualTo(1000);
    assertThat(m.testImagesPerLabel())
        .as("the held-out set is not limited")
        .containsExactly(heldOut);
    for (int d = 0; d < 10; d++) {
      double exact = 1000.0 * trainSplit[d] / trainTotal;
      assertThat(Math.abs(m.trainImagesPerLabel()[d] - exact))
          .as("digit %d: %s", d, m.trainImagesPerLabel()[d])
          .isLessThan(1.0);
    }
    // every digit was learnt: none has a recall of 0, as it did when --limit kept whole label
    // groups
    long[][] cm = m.finalEvaluation().confusionMatrix();
    for (int d = 0; d < 10; d++) assertThat(cm[d][d]).as("digit %d named right", d).isPositive();
    assertThat(m.finalEvaluation().accuracy()).isGreaterThan(0.7);
    // where it ran
    assertThat(m.cluster().master()).isEqualTo("local[2]");
    assertThat(m.cluster().applicationId()).isEqualTo(spark.sparkContext().applicationId());
    assertThat(m.cluster().executors()).isEqualTo(1);
    assertThat(m.cluster().totalCores()).isEqualTo(2);
  }

  @Test
  void aTrainingSetWithoutADigitIsRefusedBeforeFitting() {
    Path without3 =
        TestDigits.writeCsv(
            dir.resolve("no-threes.csv"),
            digits.stream().filter(d -> d.getLabel() != 3).toList(),
            true);
    Path out = dir.resolve("no-threes-model");
    assertThatThrownBy(() -> TrainingJob.run(config(without3.toString(), 0, out), spark))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot train: the training images have no digit 3 (training images per digit: 0: ")
        .hasMessageContaining(", 3: 0, ")
        .hasMessageEndingWith("), from " + without3);
    assertThat(out).doesNotExist();
  }

  @Test
  void anUnlabelledFileIsRefusedInOneLineThatNamesIt() {
    Path unlabelled = TestDigits.writeCsv(dir.resolve("test.csv"), digits.subList(0, 50), false);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          TrainingJob.execute(
              new String[] {
                "--data",
                unlabelled.toString(),
                "--model",
                "lenet",
                "--output",
                dir.resolve("unlabelled-model").toString()
              });
    } finally {
      System.setErr(err);
    }
    assertThat(code).isEqualTo(1);
    String message = captured.toString(StandardCharsets.UTF_8);
    assertThat(message)
        .contains(
            "Training failed: Cannot train on "
                + unlabelled
                + ": it has no label column (a "
                + "file of unlabelled digits, such as Kaggle's test.csv, is for bin/score)"
                + System.lineSeparator());
    assertThat(message).as("one line, no stack trace").doesNotContain("\tat ", "Exception");
  }
}
