package io.digitclassifier.serving;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.natives.NativeBuild;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.storage.AtomicOutput;
import io.digitclassifier.storage.OutputLock;
import io.digitclassifier.storage.Storage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/export-web}: a static folder that runs a trained model in the browser with no server
 * behind it ({@link WebExport}): the canvas page, {@code digits.js} (the MNIST recipe and {@code
 * predict} for any script), the model's ONNX export (the file beside the {@code model.zip} when it
 * belongs to it, else exported in memory, as scoring does) and onnxruntime-web. Written whole or
 * not at all ({@link AtomicOutput}), on any Hadoop filesystem.
 */
@Command(
    name = "export-web",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    description =
        "Writes a static folder (page, model, onnxruntime-web) that recognises drawn digits in the "
            + "browser, offline; host it on any static file server.")
public final class ExportWebCommand extends CommandOptions {
  private static final long serialVersionUID = 1L;

  @Option(
      names = "--model",
      required = true,
      description =
          "A training output directory or its model.zip (a local path or a Hadoop URI: hdfs://, s3a://).")
  private String model;

  @Option(
      names = "--output",
      required = true,
      description =
          "The folder to write (a local path or a Hadoop URI); written whole or not at all.")
  private String output;

  @Option(
      names = "--overwrite",
      defaultValue = "false",
      description = "Replace an existing folder.")
  private boolean overwrite;

  @Override
  public void validate() {
    if (model == null || model.isBlank())
      throw new IllegalArgumentException("Cannot export: --model is empty");
    if (output == null || output.isBlank())
      throw new IllegalArgumentException("Cannot export: --output is empty");
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * 0 written, 1 a model that cannot be read or exported or a folder that cannot be written, 2 bad
   * usage.
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    ExportWebCommand c = new ExportWebCommand();
    return ExportCommands.run("export-web", c, c::export, args, out, err);
  }

  /** Reads the model, writes the folder; returns the line to print. */
  String export(Configuration conf) {
    NativeBuild.select(); // before ND4J loads, when the model has to be exported in memory
    ModelArtifacts artifacts = ModelArtifacts.read(model, conf, Engine.ONNX);
    WebExport web = WebExport.of(artifacts);
    AtomicOutput folder =
        AtomicOutput.begin(output, conf, overwrite, false, OutputLock.describe("export-web"));
    try {
      for (Map.Entry<String, byte[]> e : web.files().entrySet()) {
        Path file = folder.local().resolve(e.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, e.getValue());
      }
    } catch (IOException | RuntimeException e) {
      folder.abort();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(
            "Cannot write " + Storage.display(folder.target()) + ": " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
    folder.commit();
    return String.format(
        "Wrote %s: %d files, %,d bytes (%,d gzip-compressed, what a visitor downloads from a "
            + "server that compresses); model %s (sha256 %s; model.onnx sha256 %s, %s); runtime %s",
        Storage.display(folder.target()),
        web.files().size(),
        web.size(),
        web.gzipSize(),
        artifacts.source(),
        artifacts.zipSha256(),
        artifacts.onnxSha256(),
        ModelArtifacts.FROM_FILE.equals(artifacts.onnxOrigin())
            ? "the file beside it"
            : artifacts.onnxOrigin(),
        WebExport.runtime());
  }
}
