package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/export-onnx's command: a model directory that predates the export gets its model.onnx, which
 * is then used.
 */
class ExportOnnxCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        ExportOnnxCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void writesModelOnnxBesideAnOldModelAndScoringThenReadsIt() throws Exception {
    Path model = Files.createDirectories(dir.resolve("old-model"));
    Files.copy(TestModels.lenet().resolve(ModelFiles.MODEL), model.resolve(ModelFiles.MODEL));
    assertThat(ModelArtifacts.read(model.toString(), new Configuration(), Engine.ONNX).onnxOrigin())
        .isEqualTo(ModelArtifacts.EXPORTED);

    Run r = run("--model", model.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    Path onnx = model.resolve(ModelFiles.ONNX);
    assertThat(onnx).isRegularFile();
    assertThat(r.out())
        .startsWith("Wrote " + onnx)
        .contains(Hashing.sha256(Files.readAllBytes(onnx)))
        .contains(ModelFiles.sha256(model));
    ModelArtifacts read = ModelArtifacts.read(model.toString(), new Configuration(), Engine.ONNX);
    assertThat(read.onnxOrigin()).isEqualTo(ModelArtifacts.FROM_FILE);
    assertThat(Predictor.of(read, 1).predict(TestModels.testPixels(1).get(0)).label())
        .isEqualTo(TestModels.testDigits(1).get(0).getLabel());

    Run again = run("--model", model.toString());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err())
        .contains("Cannot write " + onnx + ": it already exists; pass --overwrite to replace it");
    assertThat(run("--model", model.toString(), "--overwrite").exit()).isZero();

    Path elsewhere = dir.resolve("lenet.onnx");
    assertThat(
            run(
                    "--model",
                    model.resolve(ModelFiles.MODEL).toString(),
                    "--output",
                    elsewhere.toString())
                .exit())
        .isZero();
    assertThat(Files.readAllBytes(elsewhere)).isEqualTo(Files.readAllBytes(onnx));
  }

  @Test
  void aMissingModelAndBadUsageSayWhatIsWrong() {
    Run missing = run("--model", dir.resolve("none").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err())
        .startsWith("Export failed: Cannot load model ")
        .contains("no such file");
    Run usage = run();
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("Missing required option: '--model=<model>'");
  }
}
