package io.digitclassifier.artifacts;

import io.digitclassifier.storage.AtomicOutput;
import io.digitclassifier.storage.Hashing;
import io.digitclassifier.storage.Storage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The model directory layout shared by training, scoring and serving: {@code model.zip} (DL4J's
 * ModelSerializer format with updater state), {@code metrics.json}, {@code
 * checkpoints/epoch-N.zip}. A model is read from any Hadoop filesystem; on an object store a model
 * directory must carry its completion marker.
 */
public final class ModelFiles {
  public static final String MODEL = "model.zip";

  /** The same network exported for ONNX Runtime, the prediction engine. */
  public static final String ONNX = "model.onnx";

  public static final String METRICS = "metrics.json";
  public static final String CHECKPOINTS = "checkpoints";

  private ModelFiles() {}

  /** Writes a graph with its updater state, through a temporary file renamed into place. */
  public static void save(ComputationGraph net, Path file) {
    io.digitclassifier.storage.LocalFiles.writeAtomically(
        file, tmp -> ModelSerializer.writeModel(net, tmp.toFile(), true));
  }

  /**
   * Writes {@code model.onnx} beside a saved {@code model.zip} in {@code dir}: the same network
   * exported for ONNX Runtime, recording the zip's SHA-256 (the model's identity) so a reader can
   * tell it belongs to that zip.
   */
  public static void saveOnnx(ComputationGraph net, Path dir) {
    String sha = sha256(dir);
    byte[] onnx = io.digitclassifier.onnx.OnnxExport.export(net, sha);
    io.digitclassifier.storage.LocalFiles.writeAtomically(dir.resolve(ONNX), onnx);
  }

  /** The model file for a local directory or {@code .zip} path. */
  public static Path modelFile(Path dirOrZip) {
    return Files.isDirectory(dirOrZip) ? dirOrZip.resolve(MODEL) : dirOrZip;
  }

  /** The model file (qualified URI) for a directory or a {@code .zip} path on any filesystem. */
  public static String modelFile(String dirOrZip, Configuration conf) {
    String uri = Storage.qualify(dirOrZip, conf).toString();
    return Storage.isDirectory(uri, conf)
        ? new org.apache.hadoop.fs.Path(uri, MODEL).toString()
        : uri;
  }

  /** The {@code metrics.json} beside a model (directory or zip), as a URI; it may not exist. */
  public static String metricsFile(String dirOrZip, Configuration conf) {
    return new org.apache.hadoop.fs.Path(
            new org.apache.hadoop.fs.Path(modelFile(dirOrZip, conf)).getParent(), METRICS)
        .toString();
  }

  /** {@link #load(String, Configuration, boolean)} for a local path. */
  public static ComputationGraph load(Path dirOrZip, boolean withUpdater) {
    return load(
        dirOrZip.toAbsolutePath().normalize().toUri().toString(), new Configuration(), withUpdater);
  }

  /**
   * Loads a model from a directory or {@code model.zip} on any filesystem; a missing, incomplete,
   * corrupt or incompatible file is an {@link IllegalArgumentException} that names it.
   */
  public static ComputationGraph load(String dirOrZip, Configuration conf, boolean withUpdater) {
    String file = modelFile(dirOrZip, conf);
    return fromBytes(readBytes(dirOrZip, conf), withUpdater, file);
  }

  /**
   * The bytes of a model's {@code model.zip}, checked to be there and complete: on an object store
   * a model directory without {@value AtomicOutput#SUCCESS} is still being written, or a failed
   * run's leftover.
   */
  public static byte[] readBytes(String dirOrZip, Configuration conf) {
    String file = modelFile(dirOrZip, conf);
    String shown = Storage.display(new org.apache.hadoop.fs.Path(file));
    if (!Storage.isFile(file, conf)) {
      throw new IllegalArgumentException(
          "Cannot load model "
              + shown
              + ": no such file (expected a training output "
              + "directory or its model.zip)");
    }
    org.apache.hadoop.fs.Path dir = Storage.qualify(dirOrZip, conf);
    if (!Storage.renamesAtomically(dir)
        && !file.equals(dir.toString())
        && !Storage.exists(
            new org.apache.hadoop.fs.Path(dir, AtomicOutput.SUCCESS).toString(), conf)) {
      throw new IllegalArgumentException(
          "Cannot load model "
              + shown
              + ": its directory has no "
              + AtomicOutput.SUCCESS
              + " marker, so it is incomplete (still being written, or left by a failed run)");
    }
    return Storage.readAllBytes(file, conf);
  }

  /** A graph from a model.zip's bytes; {@code name} says where they came from, for the error. */
  public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater, String name) {
    io.digitclassifier.net.Dl4jHelpers.enable();
    try {
      return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), withUpdater);
    } catch (Exception | LinkageError e) {
      throw new IllegalArgumentException(
          "Cannot load model "
              + Storage.display(new org.apache.hadoop.fs.Path(name))
              + ": not a DL4J ComputationGraph model.zip ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + ")",
          e);
    }
  }

  /** The model's identity: the SHA-256 of its model.zip. */
  public static String sha256(Path dirOrZip) {
    return sha256(dirOrZip.toAbsolutePath().normalize().toUri().toString(), new Configuration());
  }

  /** The model's identity: the SHA-256 of its model.zip, on any filesystem. */
  public static String sha256(String dirOrZip, Configuration conf) {
    return Hashing.sha256(modelFile(dirOrZip, conf), conf);
  }
}
