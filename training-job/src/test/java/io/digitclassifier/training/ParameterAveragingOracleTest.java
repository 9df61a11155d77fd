package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.data.Digits;
import io.digitclassifier.ml.fit.ProgressHook;
import io.digitclassifier.ml.fit.TrainingMasters;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * dl4j-spark's own oracle (TestCompareParameterAveragingSparkVsSingleMachine), on our network and
 * our training master: with plain SGD and averaging after every minibatch, Spark training must give
 * the parameters that single-JVM training gives.
 */
class ParameterAveragingOracleTest extends SparkTestBase {
  private static final int BATCH = 16;

  private static TrainingConfig config(int batch) {
    return config(batch, 1);
  }

  private static TrainingConfig config(int batch, int averagingFrequency) {
    return TrainingConfig.parse(
        "--model",
        "lenet",
        "--epochs",
        "1",
        "--batch-size",
        "" + batch,
        "--averaging-frequency",
        "" + averagingFrequency,
        "--workers",
        "1",
        "--prefetch",
        "0",
        "--learning-rate",
        "0.05",
        "--lr-schedule",
        "constant");
  }

  private static DataSet batch(long seed, int n) {
    return Digits.toDataSet(TestDigits.random(n, seed));
  }

  @Test
  void oneWorkerAveragingEveryStepEqualsSingleJvm() {
    ComputationGraph local = Networks.build(NetworkKind.LENET, new Sgd(0.05), 12345);
    ComputationGraph forSpark = Networks.build(NetworkKind.LENET, new Sgd(0.05), 12345);
    assertThat(forSpark.params()).isEqualTo(local.params());
    SparkComputationGraph sparkNet =
        new SparkComputationGraph(
            jsc, forSpark, TrainingMasters.parameterAveraging(config(BATCH).fitSettings(), 1));
    for (long step = 1; step <= 3; step++) {
      DataSet ds = batch(step, BATCH);
      local.fit(ds);
      sparkNet.fit(jsc.parallelize(List.of(ds), 1));
    }
    INDArray expected = local.params();
    INDArray actual = sparkNet.getNetwork().params();
    assertThat(actual.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
    // and training did move the parameters: the comparison is not between two untouched nets
    assertThat(
            actual
                .sub(Networks.build(NetworkKind.LENET, new Sgd(0.05), 12345).params())
                .amaxNumber()
                .doubleValue())
        .isGreaterThan(1e-3);
  }

  @Test
  void everyMinibatchIsFittedWhenTheSplitsDoNotComeOutEven() {
    // 2 workers averaging every 2 minibatches: splits of 4 minibatches; 23 leave 3 over, which
    // dl4j-spark's own
    // workers (capped at 2 minibatches a split) would drop
    int minibatches = 23;
    List<DataSet> data = new ArrayList<>();
    for (int i = 0; i < minibatches; i++) data.add(batch(100 + i, 8));
    LongAccumulator images = jsc.sc().longAccumulator();
    LongAccumulator batches = jsc.sc().longAccumulator();
    SparkComputationGraph sparkNet =
        new SparkComputationGraph(
            jsc,
            Networks.build(NetworkKind.LENET, new Sgd(0.05), 7),
            TrainingMasters.parameterAveraging(
                config(8, 2).fitSettings(),
                2,
                new ProgressHook(images, batches, jsc.sc().doubleAccumulator())));
    sparkNet.fit(jsc.parallelize(data, 2));
    assertThat(batches.value()).isEqualTo(minibatches);
    assertThat(images.value()).isEqualTo(minibatches * 8L);
  }

  @Test
  void twoWorkersAveragingEveryStepEqualsOneStepOnAllTheirData() {
    // SGD on a mean loss: the average of two workers' steps from the same start is one step on both
    // minibatches
    ComputationGraph local = Networks.build(NetworkKind.LENET, new Sgd(0.05), 99);
    ComputationGraph forSpark = Networks.build(NetworkKind.LENET, new Sgd(0.05), 99);
    SparkComputationGraph sparkNet =
        new SparkComputationGraph(
            jsc, forSpark, TrainingMasters.parameterAveraging(config(BATCH).fitSettings(), 2));
    DataSet a = batch(21, BATCH);
    DataSet b = batch(22, BATCH);
    local.fit(DataSet.merge(List.of(a, b)));
    sparkNet.fit(jsc.parallelize(List.of(a, b), 2));
    assertThat(sparkNet.getNetwork().params().sub(local.params()).amaxNumber().doubleValue())
        .isLessThan(1e-5);
  }
}
