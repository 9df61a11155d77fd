package io.digitclassifier.serving;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.natives.NativeBuild;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.Storage;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/export-onnx}: writes the ONNX export of an existing model (a training output directory
 * that predates the export, or any {@code model.zip}) on any Hadoop filesystem, checked by loading
 * it into ONNX Runtime. Training writes {@code model.onnx} itself since the export exists; scoring
 * and serving export in memory when a directory has none, so this command only saves them that
 * step.
 */
@Command(
    name = "export-onnx",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    description = "Writes a trained model's ONNX export (opset 13) for ONNX Runtime.")
public final class ExportOnnxCommand extends CommandOptions {
  private static final long serialVersionUID = 1L;

  @Option(
      names = "--model",
      required = true,
      description =
          "A training output directory or its model.zip (a local path or a Hadoop URI: hdfs://, s3a://).")
  private String model;

  @Option(
      names = "--output",
      description = "The ONNX file to write; default: model.onnx beside the model.zip.")
  private String output;

  @Option(
      names = "--overwrite",
      defaultValue = "false",
      description = "Replace an existing output file.")
  private boolean overwrite;

  @Override
  public void validate() {
    if (model == null || model.isBlank())
      throw new IllegalArgumentException("Cannot export: --model is empty");
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** 0 written, 1 a model that cannot be read or exported, 2 bad usage. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    ExportOnnxCommand c = new ExportOnnxCommand();
    return ExportCommands.run("export-onnx", c, c::export, args, out, err);
  }

  /** Exports, writes and checks; returns the line to print. */
  String export(Configuration conf) {
    NativeBuild.select(); // before ND4J loads the network
    String zip = ModelFiles.modelFile(model, conf);
    String target =
        output != null ? output : new Path(new Path(zip).getParent(), ModelFiles.ONNX).toString();
    ModelArtifacts artifacts =
        ModelArtifacts.fromZip(
            ModelFiles.readBytes(model, conf), Storage.display(new Path(zip)), Engine.ONNX);
    // opening checks that ONNX Runtime accepts it and gives ten finite probabilities for a blank
    // digit
    Predictor.ownSession(artifacts, 1).close();
    Storage.writeAtomically(target, conf, overwrite, o -> o.write(artifacts.onnx()));
    return String.format(
        "Wrote %s (%,d bytes, sha256 %s) from %s (sha256 %s)",
        Storage.display(Storage.qualify(target, conf)),
        artifacts.onnx().length,
        artifacts.onnxSha256(),
        artifacts.source(),
        artifacts.zipSha256());
  }
}
