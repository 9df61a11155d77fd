package io.digitclassifier.benchmarks;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.ml.fit.DigitFit;
import io.digitclassifier.ml.fit.ProgressHook;
import io.digitclassifier.ml.fit.TrainingMasters;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import io.digitclassifier.spark.SparkSessions;
import io.digitclassifier.training.TrainingConfig;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training throughput on the same MNIST minibatches, single JVM ({@code ComputationGraph.fit}) or
 * Spark with parameter averaging. Prints one line {@code RESULT mode=... model=...
 * imagesPerSec=...}; bin/benchmark-nets runs both modes and the ratio.
 */
@Command(name = "benchmark-training", mixinStandardHelpOptions = true, showDefaultValues = true)
public final class TrainingBenchmark implements Callable<Integer> {
  @Option(names = "--mode", required = true, description = "single or spark")
  String mode;

  @Option(names = "--model", defaultValue = "lenet", description = "seed, lenet or vgg")
  NetworkKind kind;

  @Option(
      names = "--images",
      defaultValue = "6400",
      description = "Training images timed (the first N of MNIST's training set).")
  int images;

  @Option(
      names = "--batch-size",
      defaultValue = "64",
      description = "Minibatch size (per worker on Spark).")
  int batchSize;

  @Option(
      names = "--averaging-frequency",
      defaultValue = "10",
      description = "Spark: minibatches between averagings.")
  int averagingFrequency;

  @Option(names = "--data", defaultValue = "data/mnist", description = "MNIST directory.")
  String data;

  public static void main(String[] args) {
    System.exit(
        io.digitclassifier.config.CommandOptions.withNetworkNames(
                new CommandLine(new TrainingBenchmark()))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args));
  }

  @Override
  public Integer call() {
    io.digitclassifier.natives.NativeBuild.select();
    SparkSession spark = SparkSessions.create("digitclassifier-benchmark-training");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      String images = Mnist.images(data, true);
      List<DigitRecord> records =
          DigitInputs.read(spark, images, null, BadRecordPolicy.FAIL, 2).take(this.images);
      List<DataSet> batches = Digits.batches(records, batchSize);
      ComputationGraph net = Networks.build(kind, new Adam(1e-3), 42);
      double seconds;
      long fitted;
      if ("single".equals(mode)) {
        for (int i = 0; i < 3; i++) net.fit(batches.get(i)); // warm-up, as the PyTorch peer does
        long start = System.nanoTime();
        for (DataSet ds : batches) net.fit(ds);
        seconds = (System.nanoTime() - start) / 1e9;
        fitted = records.size();
      } else if ("spark".equals(mode)) {
        int workers = jsc.defaultParallelism();
        LongAccumulator seen = jsc.sc().longAccumulator();
        TrainingConfig config =
            TrainingConfig.parse(
                "--data",
                data,
                "--model",
                kind.cliName(),
                "--epochs",
                "1",
                "--batch-size",
                "" + batchSize,
                "--averaging-frequency",
                "" + averagingFrequency,
                "--workers",
                "" + workers,
                "--augment-copies",
                "0",
                "--lr-schedule",
                "constant");
        SparkComputationGraph sparkNet =
            new SparkComputationGraph(
                jsc,
                net,
                TrainingMasters.parameterAveraging(
                    config.fitSettings(),
                    workers,
                    new ProgressHook(
                        seen, jsc.sc().longAccumulator(), jsc.sc().doubleAccumulator())));
        JavaRDD<DataSet> warm =
            jsc.parallelize(batches.subList(0, Math.min(batches.size(), workers * 3)), workers);
        sparkNet.fit(warm);
        // Built as the job builds its epochs (read, one balanced partition per worker, minibatches
        // inside the
        // partitions), not with parallelize: a parallelized list travels inside every task of every
        // averaging round
        // (40 MB a task for LeNet's 25,600 images), which cost 0.8 s a round and halved the
        // measured Spark rate.
        long limit = this.images;
        JavaRDD<DataSet> rdd =
            DigitFit.toBatches(
                    DigitInputs.read(spark, images, null, BadRecordPolicy.FAIL, workers)
                        .zipWithIndex()
                        .filter(t -> t._2() < limit)
                        .map(t -> t._1())
                        .repartition(workers),
                    batchSize)
                .persist(StorageLevel.MEMORY_ONLY());
        rdd.count();
        seen.reset();
        long start = System.nanoTime();
        sparkNet.fit(rdd);
        seconds = (System.nanoTime() - start) / 1e9;
        fitted = seen.value();
      } else {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--mode must be single or spark");
      }
      System.out.printf(
          "RESULT mode=%s model=%s images=%d batch=%d threads=%s natives=%s seconds=%.2f "
              + "imagesPerSec=%.1f%n",
          mode,
          kind.cliName(),
          fitted,
          batchSize,
          "single".equals(mode)
              ? Nd4j.getEnvironment().maxThreads()
              : jsc.defaultParallelism()
                  + "x"
                  + System.getenv().getOrDefault("OMP_NUM_THREADS", "?"),
          io.digitclassifier.natives.LoadedNatives.build(),
          seconds,
          fitted / seconds);
      return 0;
    } finally {
      spark.stop();
    }
  }
}
