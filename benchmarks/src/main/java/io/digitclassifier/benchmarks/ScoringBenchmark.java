package io.digitclassifier.benchmarks;

import io.digitclassifier.TestParquet;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.ml.DigitClassifierModel;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.scoring.ScoringConfig;
import io.digitclassifier.scoring.ScoringJob;
import io.digitclassifier.scoring.ScoringSummary;
import io.digitclassifier.spark.SparkSessions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scoring throughput on either engine ({@code --engine}: ONNX Runtime or DL4J): {@code single} runs
 * {@link Predictor} over MNIST's 10,000 test digits in batches, {@code passes} times, in one JVM;
 * {@code spark} runs the scoring job on {@code rows} rows (MNIST's test set tiled, written once as
 * Parquet) to Parquet, in this JVM (local mode: driver and executors are this process), and reports
 * peak memory; {@code spark-ml} scores the same Parquet rows three ways, the scoring job, the Spark
 * ML stage's {@code transform} to Parquet and SQL's row-wise {@code predict_digit} to Parquet. One
 * {@code RESULT} line each; bin/benchmark-scoring runs both on a trained model, bin/benchmark-nets
 * on an untrained network of each kind ({@code --net}: the speed does not depend on the weights).
 * The scripts write the tiled input first ({@code prepare}, a JVM of its own): a spark run that
 * wrote it would time its job in a JVM already warmed by writing Parquet, about 3 s ahead of a run
 * that found it (measured: opening the input took 2 s after the write, 5 s without).
 */
@Command(name = "benchmark-scoring", mixinStandardHelpOptions = true, showDefaultValues = true)
public final class ScoringBenchmark implements Callable<Integer> {
  @Option(
      names = "--mode",
      required = true,
      description =
          "single, spark, spark-ml, or prepare (writes spark's tiled input for --rows and stops, so"
              + " that a later spark run starts in a JVM that has run no Spark SQL yet, as bin/score"
              + " does)")
  String mode;

  @Option(
      names = "--model",
      defaultValue = "runs/quickstart",
      description = "Model directory or model.zip.")
  Path model;

  @Option(
      names = "--net",
      description = "Instead of --model, an untrained network of this kind: seed, lenet or vgg.")
  NetworkKind net;

  @Option(names = "--rows", defaultValue = "1000000", description = "spark: rows to score.")
  int rows;

  @Option(
      names = "--passes",
      defaultValue = "10",
      description = "single: passes over the 10,000 test digits.")
  int passes;

  @Option(names = "--batch-size", defaultValue = "256")
  int batchSize;

  @Option(names = "--engine", defaultValue = "onnx", description = "onnx (ONNX Runtime) or dl4j.")
  Engine engine;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description =
          "single, onnx: ONNX Runtime's intra-op threads (0: every core); dl4j uses OMP_NUM_THREADS.")
  int threads;

  @Option(
      names = "--work",
      defaultValue = "target/benchmark-scoring",
      description = "Scratch directory.")
  Path work;

  @Option(names = "--data", defaultValue = "data/mnist")
  String data;

  public static void main(String[] args) {
    System.exit(
        io.digitclassifier.config.CommandOptions.withNetworkNames(
                new CommandLine(new ScoringBenchmark()))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    io.digitclassifier.natives.NativeBuild.select();
    if (net != null) {
      model = work.resolve("untrained-" + net.cliName()).resolve(ModelFiles.MODEL);
      var graph = Networks.build(net, new Adam(1e-3), 42);
      ModelFiles.save(graph, model);
      // as training leaves a model directory: model.onnx beside model.zip, so that the scoring job
      // is timed as it runs on a trained model, not exporting in memory first
      ModelFiles.saveOnnx(graph, model.getParent());
    }
    SparkSession spark = SparkSessions.create("digitclassifier-benchmark-scoring");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      String testImages = Mnist.images(data, false);
      if ("single".equals(mode)) {
        List<DigitRecord> test =
            DigitInputs.read(spark, testImages, null, BadRecordPolicy.FAIL, 2).collect();
        List<List<byte[]>> batches = new ArrayList<>();
        for (int i = 0; i < test.size(); i += batchSize) {
          List<byte[]> px = new ArrayList<>();
          for (int j = i; j < Math.min(test.size(), i + batchSize); j++)
            px.add(test.get(j).getPixels());
          batches.add(px);
        }
        int intraOp = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Predictor predictor =
            Predictor.load(
                model.toString(), spark.sparkContext().hadoopConfiguration(), engine, intraOp);
        for (int i = 0; i < 5; i++) predictor.predict(batches.get(i)); // warm-up
        long start = System.nanoTime();
        long n = 0;
        for (int p = 0; p < passes; p++) {
          for (List<byte[]> b : batches) {
            predictor.predict(b);
            n += b.size();
          }
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "RESULT mode=single engine=%s model=%s images=%d batch=%d threads=%d natives=%s seconds=%.2f "
                + "imagesPerSec=%.1f%n",
            engine.label(),
            modelName(),
            n,
            batchSize,
            engine == Engine.ONNX ? intraOp : Nd4j.getEnvironment().maxThreads(),
            natives(),
            s,
            n / s);
      } else {
        // Three files per core, each one row group: the input's row groups are what Spark reads in
        // parallel, and 3 files of 100,000 rows on 2 cores left one core idle for the last third of
        // the scoring stage (300,000 LeNet rows: 20.7 s against 16.7 s with 6 files of 50,000).
        int files = Math.min((rows + 9_999) / 10_000, 3 * jsc.defaultParallelism());
        Path input =
            work.resolve("mnist-test-tiled-" + rows + "x" + files + ".parquet").toAbsolutePath();
        if (!Files.isDirectory(input)) {
          // MNIST's test set tiled to `rows` rows with ids 1..rows, written once and reused
          List<DigitRecord> test =
              DigitInputs.read(spark, testImages, null, BadRecordPolicy.FAIL, 2).collect();
          var shared = jsc.broadcast(test);
          int n = test.size();
          int tiles = (rows + n - 1) / n;
          List<Integer> tileIds = new ArrayList<>();
          for (int i = 0; i < tiles; i++) tileIds.add(i);
          int total = rows;
          JavaRDD<DigitRecord> tiled =
              jsc.parallelize(tileIds, files)
                  .flatMap(
                      k -> {
                        List<DigitRecord> out = new ArrayList<>(n);
                        for (int i = 0; i < n && (long) k * n + i < total; i++) {
                          DigitRecord r = shared.value().get(i);
                          out.add(
                              new DigitRecord(
                                  (long) k * n + i + 1, r.getLabel(), r.getPixels(), null, null));
                        }
                        return out.iterator();
                      });
          TestParquet.writeBinary(spark, tiled, input.toString());
        }
        if ("prepare".equals(mode)) {
          System.out.println("Prepared " + input);
          return 0;
        }
        if ("spark-ml".equals(mode)) {
          sparkMl(spark, input.toString());
          return 0;
        }
        ScoringConfig config = jobConfig(input.toString());
        long start = System.nanoTime();
        ScoringSummary s = ScoringJob.run(config, spark);
        double seconds = (System.nanoTime() - start) / 1e9;
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
          if (pool.getType() == MemoryType.HEAP) heapPeak += pool.getPeakUsage().getUsed();
        }
        System.out.printf(
            "RESULT mode=spark engine=%s model=%s images=%d batch=%d natives=%s seconds=%.2f imagesPerSec=%.1f "
                + "jobImagesPerSec=%.1f peakRssMiB=%d heapPeakMiB=%d maxHeapMiB=%d%n",
            engine.label(),
            modelName(),
            s.scored(),
            batchSize,
            natives(),
            seconds,
            s.scored() / seconds,
            s.imagesPerSecond(),
            peakRssKiB() / 1024,
            heapPeak >> 20,
            Runtime.getRuntime().maxMemory() >> 20);
      }
      return 0;
    } finally {
      spark.stop();
    }
  }

  /**
   * The scoring job's configuration for {@code input}: Parquet out, no report samples, replaced
   * each run.
   */
  private ScoringConfig jobConfig(String input) {
    return ScoringConfig.parse(
        "--input",
        input,
        "--model",
        model.toString(),
        "--output",
        work.resolve("scored").toString(),
        "--batch-size",
        "" + batchSize,
        "--engine",
        engine.name(),
        "--overwrite",
        "--report-samples",
        "0");
  }

  /**
   * The same rows through the scoring job, the Spark ML stage's {@code transform} and SQL's {@code
   * predict_digit}, each read from Parquet and written to Parquet; images/s of each and their
   * ratios to the job's.
   */
  private void sparkMl(SparkSession spark, String input) {
    ScoringConfig config = jobConfig(input);
    long start = System.nanoTime();
    ScoringSummary job = ScoringJob.run(config, spark);
    double jobSeconds = (System.nanoTime() - start) / 1e9;
    DigitClassifierModel stage =
        DigitClassifierModel.load(model.toString())
            .setFeaturesCol("pixels")
            .setBatchSize(batchSize)
            .setEngine(engine == Engine.DL4J ? "dl4j" : "onnx");
    start = System.nanoTime();
    stage
        .transform(spark.read().parquet(input))
        .select("id", "prediction", "probability")
        .write()
        .mode("overwrite")
        .parquet(work.resolve("transformed").toString());
    double transformSeconds = (System.nanoTime() - start) / 1e9;
    stage.registerFunctions(spark);
    start = System.nanoTime();
    spark
        .sql("SELECT id, predict_digit(pixels) AS prediction FROM parquet.`" + input + "`")
        .write()
        .mode("overwrite")
        .parquet(work.resolve("sql").toString());
    double sqlSeconds = (System.nanoTime() - start) / 1e9;
    long n = job.scored();
    System.out.printf(
        "RESULT mode=spark-ml engine=%s model=%s images=%d batch=%d natives=%s jobSeconds=%.2f "
            + "jobImagesPerSec=%.1f transformSeconds=%.2f transformImagesPerSec=%.1f sqlSeconds=%.2f sqlImagesPerSec=%.1f "
            + "transformVsJob=%.3f sqlVsJob=%.3f%n",
        engine.label(),
        modelName(),
        n,
        batchSize,
        natives(),
        jobSeconds,
        n / jobSeconds,
        transformSeconds,
        n / transformSeconds,
        sqlSeconds,
        n / sqlSeconds,
        jobSeconds / transformSeconds,
        jobSeconds / sqlSeconds);
  }

  /**
   * ND4J's loaded build for DL4J; ONNX Runtime's version for it (ND4J then runs only the job's
   * readers, if at all).
   */
  private String natives() {
    return engine == Engine.DL4J
        ? io.digitclassifier.natives.LoadedNatives.build()
        : "onnxruntime-" + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
  }

  private String modelName() {
    return net != null ? net.cliName() : model.toString();
  }

  private static long peakRssKiB() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
    }
    return -1;
  }
}
