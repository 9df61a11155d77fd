package io.digitclassifier.serving;

import io.digitclassifier.data.Digits;
import io.digitclassifier.io.Hashing;
import io.digitclassifier.io.Storage;
import io.digitclassifier.model.ModelFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.hadoop.conf.Configuration;
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
  private final String file;
  private final BlockingQueue<ComputationGraph> idle;
  private final int size;

  private ModelPool(String file, String sha256, List<ComputationGraph> nets) {
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
  static ModelPool load(String dirOrZip, int instances) {
    if (instances < 1) throw new IllegalArgumentException("Cannot load model: instances must be >= 1, got " + instances);
    Configuration conf = Storage.conf();
    String file = Storage.display(new org.apache.hadoop.fs.Path(ModelFiles.modelFile(dirOrZip, conf)));
    long start = System.nanoTime();
    byte[] bytes = ModelFiles.readBytes(dirOrZip, conf);
    ComputationGraph net = ModelFiles.fromBytes(bytes, false, file);
    String sha = Hashing.sha256(bytes);
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

  String file() {
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
}
