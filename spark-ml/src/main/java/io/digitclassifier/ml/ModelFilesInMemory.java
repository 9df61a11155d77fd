package io.digitclassifier.ml;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.storage.Storage;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model directory's files as a {@link DigitClassifierModel} holds them: {@code model.zip} (the
 * identity, and what a save writes back), the ONNX export ONNX Runtime runs (the {@code model.onnx}
 * beside the zip, or exported in memory), and {@code metrics.json} when training wrote one.
 */
final class ModelFilesInMemory {
  private final String source;
  private final String zipSha256;
  private final byte[] zip;
  private final ModelArtifacts onnx;
  private final String metricsJson;

  private ModelFilesInMemory(
      String source, String zipSha256, byte[] zip, ModelArtifacts onnx, String metricsJson) {
    this.source = source;
    this.zipSha256 = zipSha256;
    this.zip = zip;
    this.onnx = onnx;
    this.metricsJson = metricsJson;
  }

  /**
   * A saved stage's directory, a training output directory or a {@code model.zip}, on any Hadoop
   * filesystem.
   */
  static ModelFilesInMemory read(String path, Configuration conf) {
    byte[] zip = ModelFiles.readBytes(path, conf);
    ModelArtifacts onnx = ModelArtifacts.of(path, zip, conf, Engine.ONNX);
    String metricsFile = ModelFiles.metricsFile(path, conf);
    String metrics =
        Storage.isFile(metricsFile, conf)
            ? new String(Storage.readAllBytes(metricsFile, conf), StandardCharsets.UTF_8)
            : null;
    return new ModelFilesInMemory(onnx.source(), onnx.zipSha256(), zip, onnx, metrics);
  }

  /**
   * Artifacts already read for one engine (the scoring job's): the zip for DL4J, the ONNX export
   * for ONNX Runtime.
   */
  static ModelFilesInMemory of(ModelArtifacts artifacts) {
    return new ModelFilesInMemory(
        artifacts.source(),
        artifacts.zipSha256(),
        artifacts.zip(),
        artifacts.onnx() != null ? artifacts : null,
        null);
  }

  /** A network fitted in this JVM: its zip bytes, exported to ONNX now. */
  static ModelFilesInMemory ofZip(byte[] zip, String source, String metricsJson) {
    ModelArtifacts onnx = ModelArtifacts.fromZip(zip, source, Engine.ONNX);
    return new ModelFilesInMemory(source, onnx.zipSha256(), zip, onnx, metricsJson);
  }

  String source() {
    return source;
  }

  String zipSha256() {
    return zipSha256;
  }

  /** The ONNX bytes' SHA-256, or null when only the zip is held. */
  String onnxSha256() {
    return onnx == null ? null : onnx.onnxSha256();
  }

  String metricsJson() {
    return metricsJson;
  }

  /** What {@code engine} needs to predict: the ONNX export for ONNX Runtime, the zip for DL4J. */
  ModelArtifacts artifacts(Engine engine) {
    if (engine == Engine.ONNX && onnx != null) return onnx;
    if (zip == null) {
      throw new IllegalStateException(
          "Cannot use model "
              + source
              + " on "
              + engine.label()
              + ": it was read for "
              + "ONNX Runtime only; load it again with DigitClassifierModel.load");
    }
    return ModelArtifacts.fromZip(zip, source, engine);
  }

  /**
   * Writes {@code model.zip}, {@code model.onnx} and {@code metrics.json} (when known) into {@code
   * dir}.
   */
  void writeTo(String dir, Configuration conf) {
    if (zip == null) {
      throw new IllegalStateException(
          "Cannot save model "
              + source
              + ": it was read for ONNX Runtime only, without "
              + "its model.zip; load it with DigitClassifierModel.load to save it");
    }
    write(dir, ModelFiles.MODEL, zip, conf);
    write(dir, ModelFiles.ONNX, artifacts(Engine.ONNX).onnx(), conf);
    if (metricsJson != null)
      write(dir, ModelFiles.METRICS, metricsJson.getBytes(StandardCharsets.UTF_8), conf);
  }

  private static void write(String dir, String name, byte[] bytes, Configuration conf) {
    Storage.writeAtomically(new Path(dir, name).toString(), conf, true, out -> out.write(bytes));
  }
}
