package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.storage.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/export-web's command: the folder's files, its guards and their messages (the browser:
 * WebExportBrowserTest).
 */
class ExportWebCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        ExportWebCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void writesOnlyThePagesFilesWithTheModelsOnnxAndRefusesToReplaceThemUnasked() throws Exception {
    Path model = TestModels.lenet();
    Path web = dir.resolve("web");
    Run r = run("--model", model.resolve(ModelFiles.MODEL).toString(), "--output", web.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("Wrote " + web + ": 9 files, ")
        .contains("runtime onnxruntime-web ")
        .contains(ModelFiles.sha256(model));
    List<String> files;
    try (var walk = Files.walk(web)) {
      files =
          walk.filter(Files::isRegularFile)
              .map(p -> web.relativize(p).toString())
              .sorted()
              .toList();
    }
    assertThat(files)
        .containsExactly(
            "_SUCCESS",
            "digits.js",
            "index.html",
            "model.json",
            "model.onnx",
            "ort/NOTICE.txt",
            "ort/ort-wasm-simd-threaded.wasm",
            "ort/ort.wasm.bundle.min.js",
            "page.js",
            "style.css");
    byte[] onnx = Files.readAllBytes(web.resolve("model.onnx"));
    var info = io.digitclassifier.storage.Json.MAPPER.readTree(web.resolve("model.json").toFile());
    assertThat(info.get("modelSha256").asText()).isEqualTo(ModelFiles.sha256(model));
    assertThat(info.get("onnxSha256").asText()).isEqualTo(Hashing.sha256(onnx));
    // the WebAssembly module, not an HTML error page or a Git LFS pointer
    byte[] wasm = Files.readAllBytes(web.resolve("ort/ort-wasm-simd-threaded.wasm"));
    assertThat(new byte[] {wasm[0], wasm[1], wasm[2], wasm[3]})
        .isEqualTo(new byte[] {0, 'a', 's', 'm'});
    // the policy the page states is the one the server sends for it at /web/
    assertThat(Files.readString(web.resolve("index.html")))
        .contains("content=\"" + WebExport.CSP + "\"");

    Run again = run("--model", model.toString(), "--output", web.toString());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err())
        .isEqualTo(
            "Export failed: Cannot write to "
                + web
                + ": it already exists; pass --overwrite "
                + "to replace it"
                + System.lineSeparator());
    assertThat(run("--model", model.toString(), "--output", web.toString(), "--overwrite").exit())
        .isZero();
  }

  @Test
  void aMissingModelAndBadUsageSayWhatIsWrong() {
    Run missing =
        run("--model", dir.resolve("none").toString(), "--output", dir.resolve("web").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err())
        .startsWith("Export failed: Cannot load model ")
        .contains("no such file");
    assertThat(dir.resolve("web")).doesNotExist();
    Run usage = run("--model", dir.toString());
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("Missing required option: '--output=<output>'");
  }
}
