package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.storage.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training job end to end on local[2] and real MNIST: ~2,000 training images, LeNet, one epoch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingJobTest extends SparkTestBase {
  @TempDir static Path dir;

  private static TrainingConfig config(Path output, int epochs, boolean overwrite, boolean resume) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                TestModels.mnist().toString(),
                "--model",
                "lenet",
                "--epochs",
                "" + epochs,
                "--batch-size",
                "32",
                "--averaging-frequency",
                "5",
                "--workers",
                "2",
                "--limit",
                "2000",
                "--output",
                output.toString(),
                "--progress-seconds",
                "5"));
    if (overwrite) args.add("--overwrite");
    if (resume) args.add("--resume");
    return TrainingConfig.parse(args.toArray(String[]::new));
  }

  @Test
  @Order(1)
  void trainsOnRealMnistAndWritesAModelThatPredictsTheSame() {
    Path out = dir.resolve("model");
    TrainingMetrics m = TrainingJob.run(config(out, 1, false, false), spark);

    assertThat(m.trainImages()).isEqualTo(2000);
    assertThat(m.testImages()).isEqualTo(10_000);
    assertThat(m.epochs()).hasSize(1);
    io.digitclassifier.ml.fit.EpochMetrics e = m.epochs().get(0);
    assertThat(e.images()).isBetween(3000L, 4000L);
    assertThat(e.imagesPerSecond()).isPositive();
    assertThat(e.loss()).isPositive().isLessThan(2.3);
    // chance is 10%: one short epoch of LeNet gets far above it
    assertThat(m.finalEvaluation().accuracy()).isGreaterThan(0.75).isEqualTo(e.testAccuracy());
    assertThat(m.finalEvaluation().confusionMatrix()).hasNumberOfRows(10);
    assertThat(m.inputs())
        .containsValue("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    assertThat(m.inputFiles())
        .hasSameSizeAs(m.inputs())
        .allSatisfy((path, files) -> assertThat(files).isEqualTo(1L));
    assertThat(m.versions()).containsEntry("spark", "3.5.9").containsEntry("dl4j", "1.0.0-M2");
    // the natives that trained it, on the driver and on the one executor of local mode (the
    // driver's JVM)
    String build = io.digitclassifier.natives.LoadedNatives.build();
    assertThat(build).startsWith("linux-x86_64");
    assertThat(m.natives().driver().build()).isEqualTo(build);
    assertThat(m.natives().driver().oneDnn())
        .isEqualTo(io.digitclassifier.natives.LoadedNatives.hasOneDnn());
    assertThat(m.natives().executors())
        .hasEntrySatisfying("driver", v -> assertThat(v).startsWith(build + ", "));

    assertThat(out.resolve("model.zip")).isRegularFile();
    // the prediction engine's copy beside it, recording the zip it belongs to
    assertThat(
            io.digitclassifier.artifacts.ModelArtifacts.read(
                    out.toString(),
                    new org.apache.hadoop.conf.Configuration(),
                    io.digitclassifier.predict.Engine.ONNX)
                .onnxOrigin())
        .isEqualTo(io.digitclassifier.artifacts.ModelArtifacts.FROM_FILE);
    assertThat(out.resolve("checkpoints/epoch-1.zip")).isRegularFile();
    assertThat(out.resolveSibling(".model.inprogress")).doesNotExist();
    TrainingMetrics fromDisk = Json.read(out.resolve("metrics.json"), TrainingMetrics.class);
    assertThat(fromDisk.finalEvaluation().accuracy()).isEqualTo(m.finalEvaluation().accuracy());
    // typed on the way back too: the run's own options
    assertThat(fromDisk.configuration()).isEqualTo(m.configuration());
    assertThat(fromDisk.configuration().model())
        .isEqualTo(io.digitclassifier.net.NetworkKind.LENET);
    assertThat(fromDisk.configuration().augmentCopies()).isEqualTo(1);
    assertThat(fromDisk.natives()).isEqualTo(m.natives());
    assertThat(fromDisk.cluster()).isEqualTo(m.cluster());
    // and as the Spark ML stage carries it: the provenance of the model directory, typed
    io.digitclassifier.ml.ModelProvenance p =
        io.digitclassifier.ml.DigitClassifierModel.load(out.toString()).provenance();
    assertThat(p.settings()).isEqualTo(m.configuration().fitSettings());
    assertThat(p.inputs()).isEqualTo(m.inputs());
    assertThat(p.epochs()).isEqualTo(m.epochs());
    assertThat(p.testImages()).isEqualTo(m.testImages());
    assertThat(p.finalEvaluation().accuracy()).isEqualTo(m.finalEvaluation().accuracy());
    assertThat(p.natives()).isEqualTo(m.natives());

    // the model loads back in a plain JVM and gets exactly the accuracy the job reported on the
    // same digits
    ComputationGraph loaded = ModelFiles.load(out, false);
    List<DigitRecord> test =
        DigitInputs.read(
                spark,
                TestModels.mnist().resolve("t10k-images-idx3-ubyte").toString(),
                null,
                BadRecordPolicy.FAIL,
                2)
            .collect();
    Evaluation eval = new Evaluation(Digits.CLASSES);
    for (DataSet ds : Digits.batches(test, 500))
      eval.eval(ds.getLabels(), loaded.outputSingle(ds.getFeatures()));
    assertThat(eval.accuracy()).isEqualTo(m.finalEvaluation().accuracy());
  }

  @Test
  @Order(2)
  void refusesAnExistingOutputWithoutOverwrite() {
    Path out = dir.resolve("model");
    assertThatThrownBy(() -> TrainingJob.run(config(out, 1, false, false), spark))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot write to " + out.toAbsolutePath())
        .hasMessageContaining("pass --overwrite");
  }

  @Test
  @Order(3)
  void resumeContinuesFromTheLastCheckpointWithoutRepeatingAnEpoch() {
    Path out = dir.resolve("model");
    TrainingMetrics before = Json.read(out.resolve("metrics.json"), TrainingMetrics.class);
    TrainingMetrics after = TrainingJob.run(config(out, 2, false, true), spark);
    assertThat(after.epochs())
        .extracting(io.digitclassifier.ml.fit.EpochMetrics::epoch)
        .containsExactly(1, 2);
    assertThat(after.epochs().get(0)).isEqualTo(before.epochs().get(0));
    // cosine over 2 epochs: the base rate, then half of it, set on the driver's network before the
    // epoch
    assertThat(after.epochs())
        .extracting(io.digitclassifier.ml.fit.EpochMetrics::learningRate)
        .containsExactly(0.001, 0.0005);
    assertThat(out.resolve("checkpoints/epoch-2.zip")).isRegularFile();
    assertThat(io.digitclassifier.artifacts.ModelFiles.load(out, false).getLearningRate("conv1"))
        .isEqualTo(0.0005);
  }

  @Test
  @Order(4)
  void aDamagedLatestCheckpointIsSkippedForTheOneBefore() throws Exception {
    Path out = dir.resolve("model");
    Path latest = out.resolve("checkpoints/epoch-2.zip");
    byte[] whole = Files.readAllBytes(latest);
    Files.write(
        latest,
        java.util.Arrays.copyOf(whole, whole.length / 3)); // as a kill mid-write would leave it
    TrainingMetrics after = TrainingJob.run(config(out, 2, false, true), spark);
    assertThat(after.epochs())
        .extracting(io.digitclassifier.ml.fit.EpochMetrics::epoch)
        .containsExactly(1, 2);
    assertThat(io.digitclassifier.artifacts.ModelFiles.load(latest, false))
        .as("epoch 2 trained again, whole")
        .isNotNull();
  }

  @Test
  @Order(5)
  void aResumeOfADifferentRunIsRefusedNamingTheDifference() {
    Path out = dir.resolve("model");
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                TestModels.mnist().toString(),
                "--model",
                "lenet",
                "--epochs",
                "3",
                "--batch-size",
                "64",
                "--averaging-frequency",
                "5",
                "--workers",
                "2",
                "--limit",
                "2000",
                "--output",
                out.toString(),
                "--resume",
                "--seed",
                "7"));
    assertThatThrownBy(
            () -> TrainingJob.run(TrainingConfig.parse(args.toArray(String[]::new)), spark))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot resume " + out + ": this run differs from the one it continues (")
        .hasMessageContaining("seed 42 then, 7 now")
        .hasMessageContaining("batchSize 32 then, 64 now");
  }

  @Test
  @Order(6)
  void aDivergingTrainingExitsOneWithWhatToChangeAndLeavesTheOldModel() throws Exception {
    Path out = dir.resolve("model");
    byte[] zip = Files.readAllBytes(out.resolve("model.zip"));
    byte[] metrics = Files.readAllBytes(out.resolve("metrics.json"));
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          TrainingJob.execute(
              new String[] {
                "--data",
                TestModels.mnist().toString(),
                "--model",
                "lenet",
                "--epochs",
                "1",
                "--batch-size",
                "32",
                "--workers",
                "2",
                "--limit",
                "600",
                "--learning-rate",
                "1e20",
                "--averaging-frequency",
                "2",
                "--output",
                out.toString(),
                "--overwrite",
                "--progress-seconds",
                "60"
              });
    } finally {
      System.setErr(err);
    }
    String message = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(1);
    // stopped at the averaging round (2 workers x 2 minibatches) of the first non-finite loss, not
    // after the epoch
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "Training failed: Cannot train: the training diverged "
                    + "in epoch 1 at minibatch (\\d+) of (\\d+) \\(averaging round (\\d+) of (\\d+): a loss of NaN or "
                    + "infinity, in \\d+ of the round's \\d+ minibatches\\) at learning rate 1\\.0E20; nothing was committed\\. "
                    + "Lower --learning-rate \\(Adam's usual range is 1e-4 to 1e-2; the default is 0\\.001\\)")
            .matcher(message);
    assertThat(m.find()).as(message).isTrue();
    System.out.println("The diverging run's line: " + m.group());
    assertThat(Long.parseLong(m.group(1))).isLessThanOrEqualTo(4L * Long.parseLong(m.group(3)));
    assertThat(Integer.parseInt(m.group(3)))
        .as("the round")
        .isLessThan(Integer.parseInt(m.group(4)));
    assertThat(Long.parseLong(m.group(1)))
        .as("the minibatch")
        .isLessThan(Long.parseLong(m.group(2)));
    assertThat(message).doesNotContain("Cannot perform evaluation", "\tat ");
    assertThat(Files.readAllBytes(out.resolve("model.zip"))).as("the old model").isEqualTo(zip);
    assertThat(Files.readAllBytes(out.resolve("metrics.json"))).isEqualTo(metrics);
  }

  @Test
  @Order(7)
  void badInputExitsNonZeroWithAClearMessageAndNoOutput() throws Exception {
    Path csv = dir.resolve("bad.csv");
    StringBuilder sb = new StringBuilder("label");
    for (int i = 0; i < Digits.PIXELS; i++) sb.append(",pixel").append(i);
    sb.append('\n').append("3");
    for (int i = 0; i < Digits.PIXELS; i++) sb.append(i == 5 ? ",x7" : ",0");
    sb.append('\n');
    Files.writeString(csv, sb.toString());
    Path out = dir.resolve("bad-out");

    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          TrainingJob.execute(
              new String[] {
                "--data",
                csv.toString(),
                "--test-fraction",
                "0.5",
                "--model",
                "lenet",
                "--output",
                out.toString()
              });
    } finally {
      System.setErr(err);
    }
    String message = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(1);
    assertThat(message)
        .contains("Training failed: Cannot read ", "bad.csv", "line 2", "column pixel5", "'x7'");
    assertThat(out).doesNotExist();
    assertThat(dir.resolve(".bad-out.inprogress")).doesNotExist();
  }

  @Test
  @Order(8)
  void badUsageExitsWithTwo() {
    assertThat(TrainingJob.execute(new String[] {"--epochs", "0"})).isEqualTo(2);
    assertThat(TrainingJob.execute(new String[] {"--model", "resnet"})).isEqualTo(2);
    assertThat(TrainingJob.execute(new String[] {"--no-such-option"})).isEqualTo(2);
    assertThat(TrainingJob.execute(new String[] {"--help"})).isZero();
  }
}
