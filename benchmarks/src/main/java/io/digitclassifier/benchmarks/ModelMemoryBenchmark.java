package io.digitclassifier.benchmarks;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.ml.DigitClassifierModel;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.PredictorPool;
import io.digitclassifier.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What scoring with many models in turn costs an executor's memory, as a {@code CrossValidator}
 * does: {@code --models} variants of one trained network (one weight nudged each time, so each has
 * its own identity) each score the same rows through {@link DigitClassifierModel#transform} in
 * {@code local[2]}, where the driver's JVM is the executor. Prints the JVM's resident memory after
 * each, with the executor keeping {@code --kept} models ({@link PredictorPool#KEPT_PROPERTY}).
 */
@Command(name = "benchmark-model-memory", mixinStandardHelpOptions = true, showDefaultValues = true)
public final class ModelMemoryBenchmark implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "runs/quickstart",
      description = "Model directory or model.zip.")
  String model;

  @Option(names = "--models", defaultValue = "12", description = "Variants scored in turn.")
  int models;

  @Option(
      names = "--kept",
      defaultValue = "4",
      description = "Models the executor keeps (-Ddigitclassifier.models.kept).")
  int kept;

  @Option(names = "--rows", defaultValue = "2000", description = "MNIST test digits scored.")
  int rows;

  @Option(names = "--data", defaultValue = "data/mnist")
  String data;

  @Option(names = "--work", defaultValue = "target/benchmark-model-memory")
  Path work;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ModelMemoryBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    io.digitclassifier.natives.NativeBuild.select();
    System.setProperty(PredictorPool.KEPT_PROPERTY, Integer.toString(kept));
    Files.createDirectories(work);
    ComputationGraph net = ModelFiles.load(Path.of(model), false);
    SparkSession spark = SparkSessions.create("digitclassifier-benchmark-model-memory");
    try {
      String testImages = Mnist.images(data, false);
      List<Row> records = new ArrayList<>();
      for (DigitRecord r :
          DigitInputs.read(spark, testImages, null, BadRecordPolicy.FAIL, 2).take(rows))
        records.add(RowFactory.create(r.getId(), r.getPixels()));
      StructType schema =
          new StructType().add("id", DataTypes.LongType).add("pixels", DataTypes.BinaryType);
      Dataset<Row> digits = spark.createDataFrame(records, schema).repartition(2).cache();
      digits.count();
      // the variants and their ONNX exports first: what the loop measures is the executor's side
      List<ModelArtifacts> variants = new ArrayList<>();
      Path zip = work.resolve(ModelFiles.MODEL);
      INDArray params = net.params();
      for (int i = 1; i <= models; i++) {
        params.putScalar(0, params.getDouble(0) + 1e-4);
        ModelFiles.save(net, zip);
        variants.add(ModelArtifacts.fromZip(Files.readAllBytes(zip), "variant " + i, Engine.ONNX));
      }
      System.gc();
      long before = residentMb();
      long peak = before;
      for (int i = 1; i <= models; i++) {
        DigitClassifierModel stage =
            DigitClassifierModel.of(variants.get(i - 1)).setFeaturesCol("pixels");
        long scored = stage.transform(digits).select("prediction").collectAsList().size();
        System.gc();
        long rss = residentMb();
        peak = Math.max(peak, rss);
        System.out.printf(
            "model %d: scored %d rows, %d loads, resident %d MB, Java heap in use %d MB%n",
            i, scored, stage.modelLoads(), rss, heapMb());
      }
      long after = residentMb();
      System.out.printf(
          "RESULT models=%d kept=%d rows=%d residentBeforeMb=%d residentAfterMb=%d residentPeakMb=%d"
              + " growthPerModelMb=%.1f%n",
          models, kept, rows, before, after, peak, (after - before) / (double) models);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The Java heap in use (after the collection the loop asks for). */
  private static long heapMb() {
    Runtime r = Runtime.getRuntime();
    return (r.totalMemory() - r.freeMemory()) >> 20;
  }

  /** This JVM's resident set, from Linux's /proc. */
  private static long residentMb() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status")))
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
    throw new IllegalStateException("No VmRSS in /proc/self/status");
  }
}
