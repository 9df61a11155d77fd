package io.digitclassifier;

import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Real MNIST and a real LeNet trained on it once (one JVM, no Spark, 8,000 images, ~20 s), cached
 * in target/.
 */
public final class TestModels {
  private TestModels() {}

  /** The project's data/mnist, found from the module's directory upwards. */
  public static Path mnist() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("data/mnist");
      if (Files.isRegularFile(candidate.resolve("train-images-idx3-ubyte"))) return candidate;
      if (Files.isRegularFile(p.resolve("mvnw"))) break;
    }
    throw new IllegalStateException(
        "MNIST is not in data/mnist: run bin/fetch-mnist first (.ci/run does)");
  }

  /**
   * The first {@code n} MNIST test digits, as the IDX reader gives them (ids from 1, byte offsets).
   */
  public static List<DigitRecord> testDigits(int n) {
    return idx("t10k", n);
  }

  /** The first {@code n} MNIST training digits, as the IDX reader gives them. */
  public static List<DigitRecord> trainDigits(int n) {
    return idx("train", n);
  }

  /** The first {@code n} MNIST test digits' pixels (784 bytes each). */
  public static List<byte[]> testPixels(int n) {
    List<byte[]> out = new ArrayList<>(n);
    for (DigitRecord r : testDigits(n)) out.add(r.getPixels());
    return out;
  }

  /**
   * The first {@code n} digits of an MNIST IDX pair ({@code train} or {@code t10k}), read without
   * Spark: a 16-byte header then the images one after another, an 8-byte header then one label byte
   * per image.
   */
  private static List<DigitRecord> idx(String prefix, int n) {
    Path images = mnist().resolve(prefix + "-images-idx3-ubyte");
    try (var in =
            new java.io.DataInputStream(
                new java.io.BufferedInputStream(Files.newInputStream(images)));
        var labels =
            new java.io.DataInputStream(
                new java.io.BufferedInputStream(
                    Files.newInputStream(mnist().resolve(prefix + "-labels-idx1-ubyte"))))) {
      in.skipNBytes(16);
      labels.skipNBytes(8);
      List<DigitRecord> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(
            new DigitRecord(
                i + 1,
                labels.readUnsignedByte(),
                in.readNBytes(Digits.PIXELS),
                images.toUri().toString(),
                "byte offset " + (16L + (long) i * Digits.PIXELS)));
      }
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A model directory (model.zip) with a LeNet trained on MNIST, cached in the module's
   * target/test-model.
   */
  public static synchronized Path lenet() {
    return trained(NetworkKind.LENET, 8000, Path.of("target/test-model"));
  }

  /**
   * A model directory with {@code kind} trained on MNIST's first {@code images} training digits
   * (one pass, minibatches of 64, seed 42), cached in {@code dir}: enough training for batch
   * normalisation's statistics and every weight to have moved from their initial values.
   */
  public static synchronized Path trained(NetworkKind kind, int images, Path dir) {
    dir = dir.toAbsolutePath();
    Path zip = dir.resolve(ModelFiles.MODEL);
    if (Files.isRegularFile(zip)) return dir;
    // the model module's own tests train the same nets (same data, steps and seed) first in a
    // build: another
    // module's tests copy them rather than train them again
    Path trainedByModel =
        mnist()
            .getParent()
            .getParent()
            .resolve("model")
            .resolve(Path.of("").toAbsolutePath().relativize(dir))
            .resolve(ModelFiles.MODEL);
    if (!trainedByModel.equals(zip) && Files.isRegularFile(trainedByModel)) {
      try {
        Files.createDirectories(dir);
        Files.copy(trainedByModel, zip);
        return dir;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    List<DigitRecord> train = idx("train", images);
    ComputationGraph net = Networks.build(kind, new Adam(1e-3), 42);
    for (org.nd4j.linalg.dataset.DataSet batch : Digits.batches(train, 64)) net.fit(batch);
    ModelFiles.save(net, zip);
    return dir;
  }

  /**
   * {@link #trained} for every network, each in target/test-model-NAME (LeNet in {@link
   * #lenet()}'s).
   */
  public static Path trained(NetworkKind kind) {
    return switch (kind) {
      case LENET -> lenet();
      case VGG -> trained(kind, 2000, Path.of("target/test-model-vgg"));
      case THREE_BRANCH -> trained(kind, 1500, Path.of("target/test-model-seed"));
    };
  }
}
