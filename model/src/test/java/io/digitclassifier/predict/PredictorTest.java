package io.digitclassifier.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.TestModels;
import io.digitclassifier.TestProperties;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.storage.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The one prediction path, on a real LeNet trained on MNIST (no Spark). */
class PredictorTest {
  @TempDir Path dir;

  /**
   * A batch too large for the thread's kept input buffer gets one of its own; the batches around it
   * still go through the kept one, and every digit's prediction is the same whichever it went
   * through.
   */
  @Test
  void aBatchLargerThanTheKeptBufferScoresAsSmallerOnes() {
    Predictor p = Predictor.load(TestModels.lenet().toString(), new Configuration());
    List<byte[]> test = TestModels.testPixels(1000);
    int n = Predictor.KEPT_FLOATS / io.digitclassifier.data.Digits.PIXELS + 1;
    List<byte[]> large = new ArrayList<>();
    for (int i = 0; i < n; i++) large.add(test.get(i % test.size()));
    Predictor.Predictions small = p.predict(test.subList(0, 300));
    Predictor.Predictions big = p.predict(large);
    Predictor.Predictions after = p.predict(test.subList(0, 300));
    assertThat(big.size()).isEqualTo(n);
    for (int i = 0; i < 300; i++) {
      assertThat(big.get(i).label()).isEqualTo(small.get(i).label());
      assertThat(big.get(i + 1000).probabilities())
          .containsExactly(
              small.get(i).probabilities(), org.assertj.core.data.Offset.offset(1e-5f));
      assertThat(after.get(i).probabilities()).containsExactly(small.get(i).probabilities());
    }
  }

  @Test
  void predictsMnistTestDigitsInBatchesAsOneByOne() throws Exception {
    Path model = TestModels.lenet();
    Predictor p = Predictor.load(model.toString(), new Configuration());
    assertThat(p.sha256())
        .isEqualTo(Hashing.sha256(Files.readAllBytes(model.resolve(ModelFiles.MODEL))));
    List<DigitRecord> test = TestModels.testDigits(500);
    List<byte[]> images = new ArrayList<>();
    for (DigitRecord r : test) images.add(r.getPixels());
    Predictor.Predictions batch = p.predict(images);
    assertThat(batch.size()).isEqualTo(500);
    int right = 0;
    for (int i = 0; i < test.size(); i++) {
      Predictor.Prediction one = batch.get(i);
      if (one.label() == test.get(i).getLabel()) right++;
      float sum = 0;
      for (float f : one.probabilities()) sum += f;
      assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
      for (float f : one.probabilities()) assertThat(f).isLessThanOrEqualTo(one.confidence());
    }
    assertThat(right / 500.0).as("accuracy of the test LeNet").isGreaterThan(0.9);
    for (int i : new int[] {0, 17, 499}) {
      assertThat(p.predict(images.get(i)).probabilities())
          .containsExactly(
              batch.get(i).probabilities(), org.assertj.core.data.Offset.offset(1e-5f));
    }
    assertThat(p.predict(List.of()).size()).isZero();
  }

  @Test
  void theOptimizationPropertyFixesTheLevelAndAWrongValueIsNamed() throws Exception {
    ModelArtifacts model =
        ModelArtifacts.read(TestModels.lenet().toString(), new Configuration(), Engine.ONNX);
    try {
      System.setProperty(Predictor.OPTIMIZATION_PROPERTY, "extended");
      assertThat(Predictor.of(model, 3).optimization()).isEqualTo(Predictor.Optimization.EXTENDED);
      System.setProperty(Predictor.OPTIMIZATION_PROPERTY, "All");
      assertThat(Predictor.of(model, 3).optimization()).isEqualTo(Predictor.Optimization.ALL);
      System.setProperty(Predictor.OPTIMIZATION_PROPERTY, "fastest");
      assertThatThrownBy(() -> Predictor.of(model, 3))
          .hasMessage(
              "Cannot use -Ddigitclassifier.onnx.optimization=fastest: expected auto, all or"
                  + " extended");
    } finally {
      System.clearProperty(Predictor.OPTIMIZATION_PROPERTY);
    }
    // auto: one of the two, measured; both give the same labels
    Predictor auto = Predictor.of(model, 3);
    assertThat(auto.optimization()).isNotNull();
    List<byte[]> images = TestModels.testPixels(200);
    try (Predictor all = Predictor.ownSession(model, 1, Predictor.Optimization.ALL);
        Predictor extended = Predictor.ownSession(model, 1, Predictor.Optimization.EXTENDED)) {
      Predictor.Predictions a = all.predict(images);
      Predictor.Predictions e = extended.predict(images);
      Predictor.Predictions chosen = auto.predict(images);
      for (int i = 0; i < images.size(); i++) {
        assertThat(e.get(i).probabilities())
            .containsExactly(a.get(i).probabilities(), org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(chosen.get(i).label()).isEqualTo(a.get(i).label());
      }
    }
  }

  @Test
  void aPoolOfCopiesServesConcurrentCallersTheSameAnswers() throws Exception {
    Predictor first = Predictor.load(TestModels.lenet().toString(), new Configuration());
    PredictorPool pool = PredictorPool.of(first, 2);
    assertThat(pool.size()).isEqualTo(2);
    List<byte[]> images = TestModels.testPixels(40);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> labels = new ArrayList<>();
      for (byte[] image : images)
        labels.add(threads.submit(() -> pool.with(p -> p.predict(image).label())));
      for (int i = 0; i < images.size(); i++) {
        assertThat(labels.get(i).get()).isEqualTo(first.copy().predict(images.get(i)).label());
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(pool.size()).isEqualTo(2);
  }

  @Test
  void anExecutorsPoolLoadsOnlyWhenEveryInstanceIsBusy() {
    byte[] zip = bytes(TestModels.lenet().resolve(ModelFiles.MODEL));
    PredictorPool pool = PredictorPool.forModel("test-" + System.nanoTime());
    AtomicInteger loads = new AtomicInteger();
    Predictor a =
        pool.borrowOrLoad(
            () -> {
              loads.incrementAndGet();
              return Predictor.of(ModelArtifacts.fromZip(zip, "a", Engine.DL4J), 1);
            });
    Predictor b =
        pool.borrowOrLoad(
            () -> {
              loads.incrementAndGet();
              return Predictor.of(ModelArtifacts.fromZip(zip, "b", Engine.DL4J), 1);
            });
    pool.giveBack(a);
    Predictor again =
        pool.borrowOrLoad(
            () -> {
              throw new AssertionError("an idle instance was there");
            });
    assertThat(again).isSameAs(a);
    assertThat(loads).hasValue(2);
    assertThat(pool.size()).isEqualTo(2);
    assertThat(b).isNotSameAs(a);
  }

  /**
   * One shared ONNX Runtime session per model and thread count, open while a predictor holds it:
   * the last one closed closes it, and the next predictor opens a new one.
   */
  @Test
  void aSharedSessionClosesWithTheLastPredictorOnIt() {
    ModelArtifacts model =
        ModelArtifacts.read(TestModels.lenet().toString(), new Configuration(), Engine.ONNX);
    byte[] digit = TestModels.testPixels(1).get(0);
    int before = Predictor.sharedSessions();
    // 7 intra-op threads: a session no other test of this JVM opens
    Predictor a = Predictor.of(model, 7);
    Predictor b = Predictor.of(model, 7);
    assertThat(Predictor.sharedSessions()).isEqualTo(before + 1);
    int label = a.predict(digit).label();
    a.close();
    a.close();
    assertThatThrownBy(() -> a.predict(digit))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(b.predict(digit).label()).isEqualTo(label);
    assertThat(Predictor.sharedSessions()).isEqualTo(before + 1);
    b.close();
    assertThat(Predictor.sharedSessions()).isEqualTo(before);
    try (Predictor c = Predictor.of(model, 7)) {
      assertThat(Predictor.sharedSessions()).isEqualTo(before + 1);
      assertThat(c.predict(digit).label()).isEqualTo(label);
    }
    assertThat(Predictor.sharedSessions()).isEqualTo(before);
  }

  /**
   * An executor keeps the pools of the models asked for last ({@code
   * -Ddigitclassifier.models.kept}) and closes the others' instances: idle ones at once, one in use
   * when it is given back, so a task mid-partition finishes on it.
   */
  @Test
  void aJvmKeepsThePoolsOfTheModelsAskedForLastAndClosesTheRest() throws Exception {
    ModelArtifacts model =
        ModelArtifacts.read(TestModels.lenet().toString(), new Configuration(), Engine.ONNX);
    byte[] digit = TestModels.testPixels(1).get(0);
    TestProperties.with(
        Map.of(PredictorPool.KEPT_PROPERTY, "2"),
        () -> {
          int before = Predictor.sharedSessions();
          String tag = "test-" + System.nanoTime() + "-";
          PredictorPool a = PredictorPool.forModel(tag + "a");
          // 6 intra-op threads: a session no other test of this JVM opens
          Predictor idle = a.borrowOrLoad(() -> Predictor.of(model, 6));
          Predictor busy = a.borrowOrLoad(() -> Predictor.of(model, 6));
          int label = idle.predict(digit).label();
          a.giveBack(idle);
          assertThat(a.size()).isEqualTo(2);
          assertThat(Predictor.sharedSessions()).isEqualTo(before + 1);

          PredictorPool b = PredictorPool.forModel(tag + "b");
          assertThat(PredictorPool.forModel(tag + "a")).isSameAs(a); // a is now the latest
          PredictorPool.forModel(tag + "c"); // retires b, the least recently asked for
          assertThat(PredictorPool.forModel(tag + "b")).isNotSameAs(b); // b again: retires a
          assertThat(a.size()).isEqualTo(1);
          assertThatThrownBy(() -> idle.predict(digit)).hasMessageContaining("closed");
          assertThat(busy.predict(digit).label()).isEqualTo(label); // in use: still open
          a.giveBack(busy);
          assertThat(a.size()).isZero();
          assertThatThrownBy(() -> busy.predict(digit)).hasMessageContaining("closed");
          assertThat(Predictor.sharedSessions()).isEqualTo(before);
          assertThat(PredictorPool.forModel(tag + "a")).isNotSameAs(a);
        });
  }

  /**
   * Pools retired while other threads borrow from them, load into them and give back to them: with
   * one model kept and four threads asking for two in turn, every prediction is made on an open
   * session and gives the right answer, and once both pools are retired no session stays open.
   */
  @Test
  void poolsRetiredUnderConcurrentUseNeverServeAClosedInstance() throws Exception {
    ModelArtifacts model =
        ModelArtifacts.read(TestModels.lenet().toString(), new Configuration(), Engine.ONNX);
    List<byte[]> digits = TestModels.testPixels(8);
    int[] expected = new int[digits.size()];
    try (Predictor own = Predictor.ownSession(model, 1)) {
      for (int i = 0; i < expected.length; i++) expected[i] = own.predict(digits.get(i)).label();
    }
    // a fixed level: sessions reopen often here, and timing both levels each time would be slow
    TestProperties.with(
        Map.of(PredictorPool.KEPT_PROPERTY, "1", Predictor.OPTIMIZATION_PROPERTY, "extended"),
        () -> stressPools(model, digits, expected));
  }

  private static void stressPools(ModelArtifacts model, List<byte[]> digits, int[] expected)
      throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      int before = Predictor.sharedSessions();
      String tag = "stress-" + System.nanoTime() + "-";
      AtomicInteger loads = new AtomicInteger();
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        done.add(
            threads.submit(
                () -> {
                  java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                  int predictions = 0;
                  for (int i = 0; i < 150; i++) {
                    PredictorPool pool = PredictorPool.forModel(tag + random.nextInt(2));
                    Predictor p =
                        pool.borrowOrLoad(
                            () -> {
                              loads.incrementAndGet();
                              return Predictor.of(model, 5);
                            });
                    try {
                      int k = random.nextInt(digits.size());
                      assertThat(p.predict(digits.get(k)).label()).isEqualTo(expected[k]);
                      predictions++;
                    } finally {
                      pool.giveBack(p);
                    }
                  }
                  return predictions;
                }));
      }
      for (Future<Integer> f : done) assertThat(f.get()).isEqualTo(150);
      assertThat(loads.get()).as("pools were retired and loaded again").isGreaterThan(2);
      PredictorPool.forModel(tag + "end"); // retires the last of the two
      assertThat(Predictor.sharedSessions()).isEqualTo(before);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aBadNumberOfKeptModelsIsRefusedWithTheProperty() throws Exception {
    TestProperties.with(
        Map.of(PredictorPool.KEPT_PROPERTY, "0"),
        () -> {
          assertThatThrownBy(() -> PredictorPool.forModel("test-" + System.nanoTime()))
              .hasMessage(
                  "-Ddigitclassifier.models.kept must be a whole number of models, 1 or more, got '0'");
        });
  }

  @Test
  void aModelThatIsNotADigitClassifierIsRefusedWithItsName() throws Exception {
    assertThatThrownBy(
            () -> ModelArtifacts.fromZip("not a zip".getBytes(), "junk.zip", Engine.ONNX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot load model junk.zip");
    // a network for 784 inputs with 3 outputs: loads, then fails the check
    ComputationGraph three =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(28, 28, 1))
                .addLayer("dense", new DenseLayer.Builder().nOut(8).build(), "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "dense")
                .setOutputs("out")
                .build());
    three.init();
    Path zip = dir.resolve("three.zip");
    ModelFiles.save(three, zip);
    int open = Predictor.sharedSessions();
    assertThatThrownBy(() -> Predictor.load(zip.toString(), new Configuration()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot use model")
        .hasMessageContaining("it has 3 outputs, expected 10");
    assertThat(Predictor.sharedSessions())
        .as("the refused model's session is closed")
        .isEqualTo(open);
    assertThatThrownBy(() -> Predictor.load(dir.resolve("none").toString(), new Configuration()))
        .hasMessageContaining("no such file");
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
