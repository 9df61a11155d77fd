package io.digitclassifier.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.TestDigits;
import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.image.CanvasSample;
import io.digitclassifier.image.DigitPhotos;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import onnx.OnnxMl;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The oracle: ONNX Runtime running {@link OnnxExport}'s file gives DL4J's own probabilities, within
 * 1e-4, for each network the project trains (trained on real MNIST, so batch normalisation's
 * statistics and every weight matter), on MNIST's 10,000 test digits and on canvas drawings and
 * photos through the preprocessing; and the labels are the same wherever DL4J's two highest
 * probabilities are more than 1e-4 apart. The same comparison fails for an export with a wrong
 * flatten order or padding.
 */
class OnnxOracleTest {
  static final float TOLERANCE = 1e-4f;

  @ParameterizedTest
  @EnumSource(NetworkKind.class)
  void onnxRuntimeGivesDl4jsProbabilities(NetworkKind kind) throws Exception {
    Path dir = TestModels.trained(kind);
    Predictor dl4j = Predictor.load(dir.toString(), new Configuration(), Engine.DL4J, 1);
    Predictor ort = Predictor.load(dir.toString(), new Configuration(), Engine.ONNX, 2);
    assertThat(ort.engine()).isEqualTo(Engine.ONNX);
    assertThat(ort.sha256())
        .isEqualTo(dl4j.sha256())
        .isEqualTo(Hashing.sha256(Files.readAllBytes(dir.resolve(ModelFiles.MODEL))));

    assertThat(ort.optimization()).isNotNull();

    // both of ONNX Runtime's levels a session may choose (Predictor.Optimization), each checked
    ModelArtifacts onnx = ModelArtifacts.read(dir.toString(), new Configuration(), Engine.ONNX);
    List<byte[]> test = TestModels.testPixels(10_000);
    List<byte[]> drawings = drawingsAndPhotos();
    List<Predictor.Prediction> dl4jTest = predict(dl4j, test);
    List<Predictor.Prediction> dl4jDrawings = predict(dl4j, drawings);
    for (Predictor.Optimization level : Predictor.Optimization.values()) {
      try (Predictor fixed = Predictor.ownSession(onnx, 2, level)) {
        assertThat(fixed.optimization()).isEqualTo(level);
        Comparison mnist = compare(dl4jTest, fixed, test);
        Comparison drawn = compare(dl4jDrawings, fixed, drawings);
        String what = kind + " at " + level;
        System.out.printf("%s: MNIST test %s; drawings and photos %s%n", what, mnist, drawn);
        for (Comparison c : List.of(mnist, drawn)) {
          assertThat(c.maxDifference)
              .as(what + " largest probability difference")
              .isLessThanOrEqualTo(TOLERANCE);
          assertThat(c.labelsDiffering)
              .as(what + " labels that differ where DL4J's top two are apart")
              .isZero();
        }
        assertThat(mnist.accuracyAgainst(TestModels.testDigits(10_000)))
            .as(kind + " is trained")
            .isGreaterThan(0.6);
      }
    }
  }

  @Test
  void aWrongFlattenOrderFailsTheOracle() throws Exception {
    // LeNet: flatten its [n, 50, 4, 4] in h-w-c order instead of DL4J's c-h-w (transpose to NHWC
    // first)
    OnnxMl.ModelProto.Builder model = exported(NetworkKind.LENET).toBuilder();
    OnnxMl.GraphProto.Builder g = model.getGraphBuilder();
    int flatten = indexOf(g, "Flatten");
    String in = g.getNode(flatten).getInput(0);
    g.setNode(flatten, g.getNode(flatten).toBuilder().setInput(0, in + "_nhwc"));
    g.addNode(
        flatten,
        OnnxMl.NodeProto.newBuilder()
            .setOpType("Transpose")
            .setName("wrong")
            .addInput(in)
            .addOutput(in + "_nhwc")
            .addAttribute(
                OnnxMl.AttributeProto.newBuilder()
                    .setName("perm")
                    .setType(OnnxMl.AttributeProto.AttributeType.INTS)
                    .addInts(0)
                    .addInts(2)
                    .addInts(3)
                    .addInts(1)));
    assertThat(oracleOf(NetworkKind.LENET, model.build()).maxDifference).isGreaterThan(TOLERANCE);
  }

  @Test
  void aWrongPaddingFailsTheOracle() throws Exception {
    // the seed net's first "same" convolution padded at the bottom and right only (same size,
    // shifted by a pixel)
    OnnxMl.ModelProto.Builder model = exported(NetworkKind.THREE_BRANCH).toBuilder();
    OnnxMl.GraphProto.Builder g = model.getGraphBuilder();
    int conv = -1;
    for (int i = 0; i < g.getNodeCount() && conv < 0; i++) {
      if (g.getNode(i).getOpType().equals("Conv")
          && g.getNode(i).getAttributeList().stream().anyMatch(a -> a.getName().equals("auto_pad")))
        conv = i;
    }
    OnnxMl.NodeProto.Builder n = g.getNode(conv).toBuilder().clearAttribute();
    for (OnnxMl.AttributeProto a : g.getNode(conv).getAttributeList())
      if (!a.getName().equals("auto_pad")) n.addAttribute(a);
    n.addAttribute(
        OnnxMl.AttributeProto.newBuilder()
            .setName("pads")
            .setType(OnnxMl.AttributeProto.AttributeType.INTS)
            .addInts(0)
            .addInts(0)
            .addInts(2)
            .addInts(2));
    g.setNode(conv, n);
    assertThat(oracleOf(NetworkKind.THREE_BRANCH, model.build()).maxDifference)
        .isGreaterThan(TOLERANCE);
  }

  @Test
  void aLayerOnnxCannotExpressIsRefusedByName() {
    ComputationGraph rnn =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(4))
                .addLayer("memory", new LastTimeStep(new LSTM.Builder().nOut(8).build()), "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "memory")
                .setOutputs("out")
                .build());
    rnn.init();
    assertThatThrownBy(() -> OnnxExport.export(rnn, "0"))
        .isInstanceOf(UnsupportedLayerException.class)
        .hasMessageStartingWith("Cannot export layer 'memory' (LastTimeStep) to ONNX");
  }

  @Test
  void anExportRecordsTheZipItCameFromAndAStaleOneIsReExported() throws Exception {
    Path dir = TestModels.trained(NetworkKind.LENET);
    byte[] zip = Files.readAllBytes(dir.resolve(ModelFiles.MODEL));
    ModelArtifacts inMemory = ModelArtifacts.fromZip(zip, "lenet", Engine.ONNX);
    assertThat(OnnxExport.sourceSha256(OnnxMl.ModelProto.parseFrom(inMemory.onnx()).getDocString()))
        .isEqualTo(Hashing.sha256(zip));
    Path copy = Files.createTempDirectory("stale-onnx");
    Files.copy(dir.resolve(ModelFiles.MODEL), copy.resolve(ModelFiles.MODEL));
    // a model.onnx of another zip beside it: not used
    Files.write(
        copy.resolve(ModelFiles.ONNX), OnnxExport.export(ModelFiles.load(dir, false), "another"));
    ModelArtifacts read = ModelArtifacts.read(copy.toString(), new Configuration(), Engine.ONNX);
    assertThat(read.onnxOrigin()).isEqualTo(ModelArtifacts.EXPORTED);
    Files.write(copy.resolve(ModelFiles.ONNX), inMemory.onnx());
    assertThat(ModelArtifacts.read(copy.toString(), new Configuration(), Engine.ONNX).onnxOrigin())
        .isEqualTo(ModelArtifacts.FROM_FILE);
  }

  /**
   * Canvas drawings (MNIST digits drawn large on a 280x280 canvas) and photos of them, through the
   * preprocessing.
   */
  static List<byte[]> drawingsAndPhotos() {
    List<byte[]> out = new ArrayList<>();
    List<byte[]> digits = TestModels.testPixels(60);
    out.add(ImagePreprocessor.toMnist(CanvasSample.seven()));
    for (int d : new int[] {0, 1, 7}) out.add(TestDigits.drawnDigit(d));
    for (int i = 0; i < 30; i++) {
      out.add(
          ImagePreprocessor.toMnist(
              TestDigits.encode(
                  TestDigits.digitImage(digits.get(i), CanvasSample.SIZE, false), "png")));
    }
    DigitPhotos.Condition[] conditions = DigitPhotos.Condition.values();
    for (int i = 30; i < 60; i++) {
      DigitPhotos.Photo photo =
          DigitPhotos.render(
              digits.get(i), digits.get(59 - i), conditions[i % conditions.length], i);
      out.add(ImagePreprocessor.toMnist(photo.encoded()));
    }
    return out;
  }

  private static OnnxMl.ModelProto exported(NetworkKind kind) throws Exception {
    byte[] zip = Files.readAllBytes(TestModels.trained(kind).resolve(ModelFiles.MODEL));
    return OnnxMl.ModelProto.parseFrom(
        ModelArtifacts.fromZip(zip, kind.cliName(), Engine.ONNX).onnx());
  }

  private static int indexOf(OnnxMl.GraphProto.Builder g, String op) {
    for (int i = 0; i < g.getNodeCount(); i++) if (g.getNode(i).getOpType().equals(op)) return i;
    throw new AssertionError("no " + op + " node");
  }

  /**
   * The oracle's comparison on 500 MNIST test digits, for an ONNX model other than the exporter's.
   */
  private static Comparison oracleOf(NetworkKind kind, OnnxMl.ModelProto model) throws Exception {
    Path dir = TestModels.trained(kind);
    Predictor dl4j = Predictor.load(dir.toString(), new Configuration(), Engine.DL4J, 1);
    byte[] onnx = model.toByteArray();
    ModelArtifacts wrong =
        new ModelArtifacts(
            "mutated " + kind, dl4j.sha256(), null, Hashing.sha256(onnx), onnx, "test");
    return compare(dl4j, Predictor.of(wrong, 1), TestModels.testPixels(500));
  }

  static Comparison compare(Predictor reference, Predictor other, List<byte[]> images) {
    return compare(predict(reference, images), other, images);
  }

  /** {@code other} against the reference's predictions of the same images, made once. */
  static Comparison compare(
      List<Predictor.Prediction> reference, Predictor other, List<byte[]> images) {
    Comparison c = new Comparison();
    List<Predictor.Prediction> b = predict(other, images);
    for (int i = 0; i < images.size(); i++) c.add(reference.get(i), b.get(i));
    return c;
  }

  static List<Predictor.Prediction> predict(Predictor p, List<byte[]> images) {
    List<Predictor.Prediction> out = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += 256) {
      Predictor.Predictions batch =
          p.predict(images.subList(from, Math.min(images.size(), from + 256)));
      for (int i = 0; i < batch.size(); i++) out.add(batch.get(i));
    }
    return out;
  }

  /** What the oracle found over a set of images. */
  static final class Comparison {
    final List<Integer> labels = new ArrayList<>();
    int images;
    float maxDifference;
    int labelsDiffering;
    int nearTies;

    void add(Predictor.Prediction reference, Predictor.Prediction other) {
      images++;
      labels.add(reference.label());
      float[] p = reference.probabilities();
      for (int k = 0; k < p.length; k++)
        maxDifference = Math.max(maxDifference, Math.abs(p[k] - other.probabilities()[k]));
      float best = p[reference.label()];
      float second = -1;
      for (int k = 0; k < p.length; k++)
        if (k != reference.label()) second = Math.max(second, p[k]);
      if (best - second <= TOLERANCE) nearTies++;
      else if (reference.label() != other.label()) labelsDiffering++;
    }

    double accuracyAgainst(List<io.digitclassifier.data.DigitRecord> truth) {
      int right = 0;
      for (int i = 0; i < labels.size(); i++)
        if (labels.get(i).equals(truth.get(i).getLabel())) right++;
      return right / (double) labels.size();
    }

    @Override
    public String toString() {
      return String.format(
          "%d images, largest difference %.2e, %d labels differ, %d near-ties (top two within %.0e)",
          images, maxDifference, labelsDiffering, nearTies, TOLERANCE);
    }
  }
}
