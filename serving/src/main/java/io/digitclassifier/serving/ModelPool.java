package io.digitclassifier.serving;

import io.digitclassifier.data.Digits;
import io.digitclassifier.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained network, loaded once, in a few copies that requests borrow one at a time: a DL4J network keeps its
 * activations and workspaces in the instance, so two threads must never run the same one. Requests beyond the
 * number of copies wait for one; the image decoding before that runs in parallel.
 */
final class ModelPool {
  private static final Logger LOG = LoggerFactory.getLogger(ModelPool.class);

  private final String sha256;
  private final Path file;
  private final BlockingQueue<ComputationGraph> idle;
  private final int size;

  private ModelPool(Path file, String sha256, List<ComputationGraph> nets) {
    this.file = file;
    this.sha256 = sha256;
    this.size = nets.size();
    this.idle = new ArrayBlockingQueue<>(size, false, nets);
  }

  /**
   * Loads a training output directory or its {@code model.zip} into {@code instances} copies and checks that it
   * maps one 28x28 image to ten probabilities; a missing, corrupt or unsuitable model is an
   * {@link IllegalArgumentException} naming the file.
   */
  static ModelPool load(Path dirOrZip, int instances) {
    if (instances < 1) throw new IllegalArgumentException("Cannot load model: instances must be >= 1, got " + instances);
    Path file = ModelFiles.modelFile(dirOrZip);
    long start = System.nanoTime();
    ComputationGraph net = ModelFiles.load(dirOrZip, false);
    String sha = sha256(file);
    float[] out = forward(net, new byte[Digits.PIXELS]);
    if (out.length != Digits.CLASSES) {
      throw new IllegalArgumentException("Cannot serve model " + file + ": it has " + out.length
          + " outputs, expected " + Digits.CLASSES + " (one per digit)");
    }
    List<ComputationGraph> nets = new ArrayList<>(instances);
    nets.add(net);
    for (int i = 1; i < instances; i++) nets.add(net.clone());
    LOG.info("Loaded model {} ({}, {} parameters) as {} instance(s) in {} ms", sha.substring(0, 12), file,
        net.numParams(), instances, (System.nanoTime() - start) / 1_000_000);
    return new ModelPool(file, sha, nets);
  }

  /** The model's identity: the SHA-256 of its model.zip, as training and scoring record it. */
  String sha256() {
    return sha256;
  }

  Path file() {
    return file;
  }

  int size() {
    return size;
  }

  /** The prediction for one MNIST-like digit (784 bytes, light ink on black), on a borrowed instance. */
  Prediction predict(byte[] pixels) {
    ComputationGraph net = borrow();
    float[] p;
    try {
      p = forward(net, pixels);
    } finally {
      idle.add(net);
    }
    int label = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[label]) label = i;
    }
    return new Prediction(label, p);
  }

  /**
   * Runs every instance once, so that the first real request finds ND4J's natives loaded, its workspaces
   * allocated and the code paths compiled, rather than paying for that itself.
   */
  void warmUp(byte[] pixels, int passes) {
    List<ComputationGraph> all = new ArrayList<>(size);
    idle.drainTo(all);
    try {
      for (ComputationGraph net : all) {
        for (int i = 0; i < passes; i++) forward(net, pixels);
      }
    } finally {
      idle.addAll(all);
    }
  }

  private ComputationGraph borrow() {
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot predict: interrupted while waiting for the model", e);
    }
  }

  private static float[] forward(ComputationGraph net, byte[] pixels) {
    INDArray out = net.outputSingle(false, Digits.toFeatures(List.of(pixels)));
    return out.toFloatVector();
  }

  /** SHA-256 of a local file, read directly: the server has no Hadoop (core's Hashing reads through it). */
  static String sha256(Path file) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
