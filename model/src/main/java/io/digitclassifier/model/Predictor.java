package io.digitclassifier.model;

import io.digitclassifier.data.Digits;
import io.digitclassifier.storage.Hashing;
import io.digitclassifier.storage.Storage;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained network that names digits: the project's one prediction path. Scoring's executors, training's
 * report (its most confident mistakes), the canvas server and the benchmarks all predict through here, so a
 * model is loaded, checked and run one way.
 *
 * <p>An instance is not safe for two threads at once (DL4J keeps activations and workspaces in the network):
 * share one through a {@link PredictorPool}, or {@link #copy} it.
 */
public final class Predictor {
  private final ComputationGraph net;
  private final String sha256;
  private final String source;

  private Predictor(ComputationGraph net, String sha256, String source) {
    this.net = net;
    this.sha256 = sha256;
    this.source = source;
  }

  /**
   * Loads a training output directory or its {@code model.zip} from any Hadoop filesystem and checks it; a
   * missing, incomplete, corrupt or unsuitable model is an {@link IllegalArgumentException} naming the file.
   */
  public static Predictor load(String dirOrZip, Configuration conf) {
    String file = Storage.display(new org.apache.hadoop.fs.Path(ModelFiles.modelFile(dirOrZip, conf)));
    return fromBytes(ModelFiles.readBytes(dirOrZip, conf), file);
  }

  /**
   * A predictor from a {@code model.zip}'s bytes, checked to take one 28x28 grey digit and give ten class
   * probabilities; {@code source} names where the bytes came from, in errors and logs.
   */
  public static Predictor fromBytes(byte[] modelZip, String source) {
    Predictor p = new Predictor(ModelFiles.fromBytes(modelZip, false, source), Hashing.sha256(modelZip), source);
    p.check();
    return p;
  }

  /** The model's identity: the SHA-256 of its {@code model.zip}, as training and scoring record it. */
  public String sha256() {
    return sha256;
  }

  /** Where the model came from (a path or URI as shown to users). */
  public String source() {
    return source;
  }

  public long parameters() {
    return net.numParams();
  }

  /** Another instance of the same model, for another thread. */
  public Predictor copy() {
    return new Predictor(net.clone(), sha256, source);
  }

  /**
   * One forward pass over a batch of MNIST-like digits (784 bytes each, light ink on black, as
   * {@code ImagePreprocessor} makes them).
   */
  public Predictions predict(List<byte[]> images) {
    if (images.isEmpty()) return new Predictions(new float[0]);
    INDArray out = net.outputSingle(false, Digits.toFeatures(images));
    return new Predictions(out.data().asFloat());
  }

  /** The prediction for one digit. */
  public Prediction predict(byte[] image) {
    return predict(List.of(image)).get(0);
  }

  private void check() {
    float[] out;
    try {
      out = net.outputSingle(false, Digits.toFeatures(List.of(new byte[Digits.PIXELS]))).data().asFloat();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Cannot use model " + source + ": it does not take a 28x28x1 digit ("
          + e.getMessage() + ")", e);
    }
    if (out.length != Digits.CLASSES) {
      throw new IllegalArgumentException("Cannot use model " + source + ": it has " + out.length
          + " outputs, expected " + Digits.CLASSES + " class probabilities (one per digit)");
    }
  }

  /** One digit's prediction: the most probable label, its probability, and all ten. */
  public record Prediction(int label, float[] probabilities) {
    public float confidence() {
      return probabilities[label];
    }
  }

  /** A batch's predictions, in the order of its images. */
  public static final class Predictions {
    private final float[] flat;

    private Predictions(float[] flat) {
      this.flat = flat;
    }

    public int size() {
      return flat.length / Digits.CLASSES;
    }

    /** The {@code i}th image's prediction (its probabilities copied out of the batch). */
    public Prediction get(int i) {
      float[] p = Arrays.copyOfRange(flat, i * Digits.CLASSES, (i + 1) * Digits.CLASSES);
      return new Prediction(top(p), p);
    }

    /** The index of the highest probability; the lowest index among equals. */
    private static int top(float[] p) {
      int best = 0;
      for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      return best;
    }
  }
}
