package io.digitclassifier.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestModels;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.ml.example.DigitsPipelineExample;
import io.digitclassifier.ml.fit.EpochMetrics;
import io.digitclassifier.predict.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DigitClassifier on real MNIST: a fit in a Pipeline through the README's example (save, load,
 * transform, evaluate, SQL), the typed summary with validation rows, tuning with
 * TrainValidationSplit, params and bad rows.
 */
class DigitClassifierTest extends SparkTestBase {
  @TempDir Path tmp;

  private static Dataset<Row> frame(List<DigitRecord> records) {
    return MnistFrames.frame(spark, records);
  }

  @Test
  void theReadmeExampleFitsSavesLoadsScoresAndQueries() throws Exception {
    String[] data = MnistFrames.parquet(spark, tmp, 4000, 500);
    String modelPath = tmp.resolve("pipeline").toString();
    double accuracy = DigitsPipelineExample.run(spark, data[0], data[1], modelPath);
    assertThat(accuracy).isGreaterThan(0.85);

    // the saved stage is a model directory: the one prediction path gives the same accuracy on the
    // same rows
    Path stage;
    try (var stages = Files.list(tmp.resolve("pipeline/stages"))) {
      stage = stages.findFirst().orElseThrow();
    }
    assertThat(stage.resolve("model.zip")).isRegularFile();
    assertThat(stage.resolve("model.onnx")).isRegularFile();
    assertThat(stage.resolve("metrics.json")).isRegularFile();
    Predictor predictor =
        Predictor.load(stage.toUri().toString(), new org.apache.hadoop.conf.Configuration());
    List<DigitRecord> test = TestModels.testDigits(500);
    long correct =
        test.stream().filter(d -> predictor.predict(d.getPixels()).label() == d.getLabel()).count();
    assertThat(accuracy).isEqualTo(correct / 500.0);
    assertThat(
            spark
                .sql("SELECT count(*) FROM digits WHERE predict_digit(pixels) = label")
                .first()
                .getLong(0))
        .isEqualTo(correct);
  }

  @Test
  void validationRowsAreEvaluatedEachEpochInATypedSummary() throws Exception {
    Dataset<Row> df =
        frame(TestModels.trainDigits(3000)).withColumn("heldOut", col("id").$greater(2500L));
    DigitClassifierModel model =
        new DigitClassifier()
            .setFeaturesCol("pixels")
            .setNetwork("LeNet")
            .setEpochs(2)
            .setAugmentCopies(0)
            .setValidationIndicatorCol("heldOut")
            .fit(df);
    DigitClassifierTrainingSummary s = model.summary();
    assertThat(s.trainImages()).isEqualTo(2500);
    assertThat(s.testImages()).isEqualTo(500);
    assertThat(s.epochs()).extracting(EpochMetrics::epoch).containsExactly(1, 2);
    assertThat(s.epochs())
        .allSatisfy(
            e -> {
              assertThat(e.loss()).isFinite().isPositive();
              assertThat(e.testAccuracy()).isBetween(0.5, 1.0);
              assertThat(e.imagesPerSecond()).isPositive();
            });
    assertThat(s.finalEvaluation().accuracy()).isEqualTo(s.epochs().get(1).testAccuracy());
    assertThat(model.getFeaturesCol()).isEqualTo("pixels");
    assertThat(model.parent()).isInstanceOf(DigitClassifier.class);
    assertThat(model.metricsJson()).contains("\"epochs\"").contains("\"finalEvaluation\"");
    // the provenance the model carries, typed, and the same after a save and a load
    ModelProvenance p = model.provenance();
    assertThat(p.settings()).isEqualTo(model.summary().settings());
    assertThat(p.epochs()).isEqualTo(s.epochs());
    assertThat(p.cluster().master()).isEqualTo("local[2]");
    assertThat(p.zipSha256()).isEqualTo(model.sha256());
    String path = tmp.resolve("fitted").toString();
    model.write().save(path);
    ModelProvenance back = DigitClassifierModel.load(path).provenance();
    assertThat(back.settings()).isEqualTo(p.settings());
    assertThat(back.epochs()).isEqualTo(p.epochs());
    assertThat(back.finalEvaluation().accuracy()).isEqualTo(p.finalEvaluation().accuracy());
    assertThat(back.trainImages()).isEqualTo(2500);
  }

  @Test
  void tunesTheLearningRateWithTrainValidationSplit() {
    Dataset<Row> df = frame(TestModels.trainDigits(2000));
    DigitClassifier classifier =
        new DigitClassifier()
            .setFeaturesCol("pixels")
            .setNetwork("lenet")
            .setEpochs(1)
            .setAugmentCopies(0);
    ParamMap[] grid =
        new ParamGridBuilder()
            .addGrid(classifier.learningRate(), new double[] {1e-6, 2e-3})
            .build();
    TrainValidationSplitModel tuned =
        new TrainValidationSplit()
            .setEstimator(classifier)
            .setEstimatorParamMaps(grid)
            .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"))
            .setTrainRatio(0.8)
            .setSeed(7)
            .fit(df);
    double[] metrics = tuned.validationMetrics();
    assertThat(metrics).hasSize(2);
    assertThat(metrics[1])
        .isGreaterThan(metrics[0] + 0.2); // a rate of 1e-6 learns next to nothing in one epoch
    assertThat(((DigitClassifierModel) tuned.bestModel()).parent())
        .isInstanceOf(DigitClassifier.class);
  }

  @Test
  void paramsHaveTheJobsDefaultsAndRefuseBadValues() throws Exception {
    DigitClassifier c = new DigitClassifier();
    assertThat(c.fitSettings()).isEqualTo(io.digitclassifier.ml.fit.FitSettings.DEFAULTS);
    assertThatThrownBy(() -> c.setNetwork("resnet"))
        .hasMessageContaining("network given invalid value resnet");
    assertThatThrownBy(() -> c.setEpochs(0)).hasMessageContaining("epochs given invalid value 0");
    // an unfitted estimator saves and loads alone and in a pipeline, params and all
    DigitClassifier tuned =
        new DigitClassifier().setNetwork("seed").setEpochs(3).setLearningRate(5e-4);
    String path = tmp.resolve("estimator").toString();
    new Pipeline().setStages(new PipelineStage[] {tuned}).write().save(path);
    DigitClassifier back = (DigitClassifier) Pipeline.load(path).getStages()[0];
    assertThat(back.uid()).isEqualTo(tuned.uid());
    assertThat(back.fitSettings()).isEqualTo(tuned.fitSettings());
  }

  @Test
  void badRowsAndColumnsFailTheFitNamingThem() {
    Dataset<Row> df = frame(TestModels.trainDigits(50));
    assertThatThrownBy(() -> new DigitClassifier().fit(df))
        .hasMessage(
            "Cannot fit: the features column features is not in the input (columns: id, label, pixels)");
    assertThatThrownBy(
            () ->
                new DigitClassifier()
                    .setFeaturesCol("pixels")
                    .setLabelCol("id")
                    .fit(df.withColumn("id", col("id").cast("string"))))
        .hasMessage("Cannot fit: column id is string, expected numeric (digits 0-9)");
    Dataset<Row> badLabel =
        df.withColumn(
            "label",
            org.apache.spark.sql.functions.when(col("id").equalTo(7L), 12).otherwise(col("label")));
    assertThatThrownBy(
            () ->
                new DigitClassifier()
                    .setFeaturesCol("pixels")
                    .setNetwork("lenet")
                    .setEpochs(1)
                    .fit(badLabel.coalesce(1)))
        .hasStackTraceContaining("Cannot fit: row 7, column label: 12, expected a digit 0-9");
  }
}
