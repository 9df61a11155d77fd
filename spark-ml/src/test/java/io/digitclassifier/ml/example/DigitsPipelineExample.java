package io.digitclassifier.ml.example;

import io.digitclassifier.ml.DigitClassifier;
import io.digitclassifier.ml.DigitClassifierModel;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * README's "From your Spark code" example, compiled and run by the tests ({@code
 * DigitsPipelineExampleTest}); the lines between the README markers are the README's code block,
 * word for word (a test compares them).
 */
public final class DigitsPipelineExample {
  private DigitsPipelineExample() {}

  /**
   * Fits, saves, loads, scores, evaluates and queries; returns the accuracy on {@code testParquet}.
   */
  public static double run(
      SparkSession spark, String trainParquet, String testParquet, String modelPath)
      throws java.io.IOException {
    // README:begin
    // label: int 0-9; pixels: array<int> of 784 values 0-255 (or binary, Vector, image bytes)
    Dataset<Row> train = spark.read().parquet(trainParquet);
    Dataset<Row> test = spark.read().parquet(testParquet);

    DigitClassifier classifier =
        new DigitClassifier()
            .setFeaturesCol("pixels")
            .setLabelCol("label")
            .setNetwork("lenet")
            .setEpochs(2)
            .setLearningRate(0.002);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {classifier}).fit(train);
    fitted.write().overwrite().save(modelPath); // any Hadoop path: hdfs://, s3a://, file:

    PipelineModel loaded = PipelineModel.load(modelPath);
    Dataset<Row> scored = loaded.transform(test); // adds prediction, rawPrediction, probability
    double accuracy =
        new MulticlassClassificationEvaluator()
            .setLabelCol("label")
            .setPredictionCol("prediction")
            .setMetricName("accuracy")
            .evaluate(scored);

    DigitClassifierModel model = (DigitClassifierModel) loaded.stages()[0];
    model.registerFunctions(spark); // SQL: predict_digit(pixels), predict_digit_proba(pixels)
    test.createOrReplaceTempView("digits");
    spark.sql("SELECT label, predict_digit(pixels) AS predicted FROM digits").show(5);
    // README:end
    return accuracy;
  }
}
