package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.ml.fit.AugmentAndBatchFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the training report gathers on Spark: samples, the held-out mistakes found per partition,
 * the files.
 */
class TrainingReportWriterTest extends SparkTestBase {
  @TempDir Path dir;

  private TrainingConfig config() {
    return TrainingConfig.parse(
        "--data",
        TestModels.mnist().toString(),
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
        "2000",
        "--output",
        dir.toString(),
        "--progress-seconds",
        "5",
        "--eval-batch-size",
        "100",
        "--lr-schedule",
        "constant");
  }

  private Path modelDir() throws Exception {
    Path model = dir.resolve("model");
    Files.createDirectories(model);
    Files.copy(TestModels.lenet().resolve(ModelFiles.MODEL), model.resolve(ModelFiles.MODEL));
    return model;
  }

  @Test
  void mistakesAreTheMostConfidentOnesAcrossPartitions() throws Exception {
    Path model = modelDir();
    List<DigitRecord> digits = TestModels.testDigits(1000);
    JavaRDD<DigitRecord> test = jsc.parallelize(digits, 3);

    List<Mistake> found = TrainingReportWriter.mistakes(spark, config(), test, model);

    // the oracle: the same model over the same digits in one JVM
    ComputationGraph net = ModelFiles.load(model, false);
    List<Mistake> all = new ArrayList<>();
    for (DigitRecord r : digits) {
      float[] p =
          net.outputSingle(false, Digits.toFeatures(List.of(r.getPixels()))).data().asFloat();
      int best = 0;
      for (int c = 1; c < 10; c++) if (p[c] > p[best]) best = c;
      if (best != r.getLabel())
        all.add(new Mistake(r.getId(), r.getLabel(), best, p, r.getPixels()));
    }
    assertThat(all).hasSizeGreaterThan(TrainingReportWriter.MISTAKES);
    assertThat(found).hasSize(TrainingReportWriter.MISTAKES);
    assertThat(found)
        .extracting(Mistake::id)
        .containsExactlyElementsOf(
            Mistake.top(all, TrainingReportWriter.MISTAKES).stream().map(Mistake::id).toList());
    assertThat(found).allMatch(m -> m.predicted() != m.trueLabel());
  }

  @Test
  void samplesAreFirstImagesOfDifferentLabelsWithTheTrainingCopies() {
    List<DigitRecord> digits = TestModels.testDigits(100);
    List<TrainingReport.AugmentedSample> samples =
        TrainingReportWriter.samples(config(), jsc.parallelize(digits, 2));

    assertThat(samples).hasSize(TrainingReportWriter.SAMPLES);
    assertThat(samples).extracting(TrainingReport.AugmentedSample::label).doesNotHaveDuplicates();
    assertThat(samples.get(0).id()).isEqualTo(1);
    TrainingReport.AugmentedSample first = samples.get(0);
    assertThat(first.copies()).hasSize(TrainingReportWriter.COPIES);
    // copy 1 is exactly what AugmentAndBatchFunction trains on for this seed
    AugmentAndBatchFunction training =
        new AugmentAndBatchFunction(
            new io.digitclassifier.ml.fit.Augmenter(10, 0.1, 0.1), 1, 0, 32, 42, 1);
    assertThat(first.copies().get(0)).isEqualTo(training.expand(digits.get(0)).get(1).pixels());
  }

  @Test
  void writesTheReportBesideTheModel() throws Exception {
    Path model = modelDir();
    JavaRDD<DigitRecord> digits = jsc.parallelize(TestModels.testDigits(300), 2);
    long[][] cm = new long[10][10];
    for (int i = 0; i < 10; i++) cm[i][i] = 30;
    TrainingMetrics metrics =
        new TrainingMetrics(
            config(),
            Map.of("spark", "3.5.9"),
            new io.digitclassifier.spark.SparkSessions.WhereItRan(
                "local[2]", "client", "local-1", "test", 1, List.of(), "2", 2),
            new io.digitclassifier.spark.NativesPlugin.Natives(
                new io.digitclassifier.natives.LoadedNatives.Choice(
                    "linux-x86_64-onednn-avx2", true, "test", "a CPU"),
                Map.of()),
            Map.of(),
            Map.of(),
            300,
            300,
            new long[] {30, 31, 29, 30, 30, 30, 30, 30, 30, 30},
            new long[] {30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
            600,
            2,
            List.of(
                new io.digitclassifier.ml.fit.EpochMetrics(1, 0.5, 0.9, 0.88, 10, 60, 600, 0.001)),
            EvaluationSummary.ofConfusion(cm),
            12);

    TrainingReportWriter.write(spark, config(), metrics, digits, digits, model);

    assertThat(model.resolve("report.html")).isRegularFile();
    assertThat(model.resolve("plots/augmented-samples.png")).isRegularFile();
    assertThat(model.resolve("samples/augmented.csv")).isRegularFile();
    assertThat(Files.readString(model.resolve("report.html")))
        .contains(
            "Training report: lenet",
            "held-out accuracy",
            "training images per digit",
            "0: 30, 1: 31, 2: 29",
            "ran on",
            "local[2], application local-1",
            "ND4J natives",
            "linux-x86_64-onednn-avx2");
  }

  @Test
  void aFailingReportIsAWarningNotAFailure() {
    // no model.zip in the directory: the mistakes cannot be found, the call still returns
    Path empty = dir.resolve("empty");
    TrainingReportWriter.write(
        spark,
        config(),
        null,
        jsc.parallelize(TestModels.testDigits(10), 1),
        jsc.parallelize(List.<DigitRecord>of(), 1),
        empty);
    assertThat(empty.resolve("report.html")).doesNotExist();
  }
}
