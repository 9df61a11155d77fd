package io.digitclassifier.model;

import io.digitclassifier.io.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The model directory layout shared by training, scoring and serving: {@code model.zip} (DL4J's
 * ModelSerializer format with updater state), {@code metrics.json}, {@code checkpoints/epoch-N.zip}.
 */
public final class ModelFiles {
  public static final String MODEL = "model.zip";
  public static final String METRICS = "metrics.json";
  public static final String CHECKPOINTS = "checkpoints";

  private ModelFiles() {}

  /** Writes a graph with its updater state, through a temporary file renamed into place. */
  public static void save(ComputationGraph net, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      ModelSerializer.writeModel(net, tmp.toFile(), true);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write model " + file + ": " + e.getMessage(), e);
    }
  }

  /** The model file for a directory or a {@code .zip} path. */
  public static Path modelFile(Path dirOrZip) {
    return Files.isDirectory(dirOrZip) ? dirOrZip.resolve(MODEL) : dirOrZip;
  }

  /**
   * Loads a model from a directory or {@code model.zip}; a missing, corrupt or incompatible file is an
   * {@link IllegalArgumentException} that names it.
   */
  public static ComputationGraph load(Path dirOrZip, boolean withUpdater) {
    io.digitclassifier.net.Dl4jHelpers.enable();
    Path file = modelFile(dirOrZip);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Cannot load model " + file + ": no such file (expected a training output "
          + "directory or its model.zip)");
    }
    try {
      return ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater);
    } catch (Exception | LinkageError e) {
      throw new IllegalArgumentException("Cannot load model " + file + ": not a DL4J ComputationGraph model.zip ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
  }

  /** The model's identity: the SHA-256 of its model.zip. */
  public static String sha256(Path dirOrZip) {
    return Hashing.sha256(modelFile(dirOrZip).toAbsolutePath().toUri().toString(), new Configuration());
  }
}
