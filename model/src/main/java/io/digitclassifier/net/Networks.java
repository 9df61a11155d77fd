package io.digitclassifier.net;

import io.digitclassifier.data.Digits;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The network definitions. Every net is a {@link ComputationGraph} with one input ({@code input},
 * 28x28x1 NCHW, values in [0,1]) and one softmax output ({@code output}, 10 classes), so training,
 * scoring and serving treat them alike.
 *
 * <p>Dropout note: DL4J's {@link Dropout} takes the probability of <em>keeping</em> an activation,
 * so Keras' {@code Dropout(0.25)} is {@code new Dropout(0.75)} here.
 */
public final class Networks {
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";

  private Networks() {}

  /** Builds and initialises the named network. */
  public static ComputationGraph build(NetworkKind kind, IUpdater updater, long seed) {
    Dl4jHelpers.enable();
    ComputationGraphConfiguration conf =
        switch (kind) {
          case THREE_BRANCH -> threeBranch(updater, seed);
          case LENET -> lenet(updater, seed);
          case VGG -> vgg(updater, seed);
        };
    ComputationGraph net = new ComputationGraph(conf);
    net.init();
    return net;
  }

  private static NeuralNetConfiguration.Builder base(IUpdater updater, long seed) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(updater)
        .weightInit(WeightInit.RELU)
        .activation(Activation.RELU)
        .convolutionMode(ConvolutionMode.Truncate)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .cacheMode(CacheMode.DEVICE);
  }

  /**
   * The original's three parallel branches, each ending in 6x6x32 with dropout, merged (3,456) into
   * dense 1000, dropout and softmax 10: (a) conv 3x3 same 64, pool 2, conv 3x3 32, pool 2; (b) conv
   * 5x5 64, pool 2, conv 3x3 same 32, pool 2; (c) conv 3x3 64, pool 2, conv 3x3 same 32, pool 2.
   */
  static ComputationGraphConfiguration threeBranch(IUpdater updater, long seed) {
    ComputationGraphConfiguration.GraphBuilder g =
        base(updater, seed)
            .graphBuilder()
            .addInputs(INPUT)
            .setInputTypes(InputType.convolutional(Digits.SIDE, Digits.SIDE, 1));
    branch(g, "a", 3, ConvolutionMode.Same, 3, ConvolutionMode.Truncate);
    branch(g, "b", 5, ConvolutionMode.Truncate, 3, ConvolutionMode.Same);
    branch(g, "c", 3, ConvolutionMode.Truncate, 3, ConvolutionMode.Same);
    return g.addVertex("merge", new MergeVertex(), "a_drop", "b_drop", "c_drop")
        .addLayer("dense", new DenseLayer.Builder().nOut(1000).build(), "merge")
        .addLayer(
            "dense_drop", new DropoutLayer.Builder().dropOut(new Dropout(0.5)).build(), "dense")
        .addLayer(
            OUTPUT,
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(Digits.CLASSES)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build(),
            "dense_drop")
        .setOutputs(OUTPUT)
        .build();
  }

  private static void branch(
      ComputationGraphConfiguration.GraphBuilder g,
      String name,
      int k1,
      ConvolutionMode m1,
      int k2,
      ConvolutionMode m2) {
    g.addLayer(
            name + "_conv1",
            new ConvolutionLayer.Builder(k1, k1).nOut(64).convolutionMode(m1).build(),
            INPUT)
        .addLayer(name + "_pool1", maxPool(), name + "_conv1")
        .addLayer(
            name + "_conv2",
            new ConvolutionLayer.Builder(k2, k2).nOut(32).convolutionMode(m2).build(),
            name + "_pool1")
        .addLayer(name + "_pool2", maxPool(), name + "_conv2")
        .addLayer(
            name + "_drop",
            new DropoutLayer.Builder().dropOut(new Dropout(0.75)).build(),
            name + "_pool2");
  }

  /** Caffe's LeNet: conv 5x5 20, pool, conv 5x5 50, pool, dense 500 (ReLU), softmax 10. */
  static ComputationGraphConfiguration lenet(IUpdater updater, long seed) {
    return base(updater, seed)
        .graphBuilder()
        .addInputs(INPUT)
        .setInputTypes(InputType.convolutional(Digits.SIDE, Digits.SIDE, 1))
        .addLayer(
            "conv1",
            new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.IDENTITY).build(),
            INPUT)
        .addLayer("pool1", maxPool(), "conv1")
        .addLayer(
            "conv2",
            new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.IDENTITY).build(),
            "pool1")
        .addLayer("pool2", maxPool(), "conv2")
        .addLayer("dense", new DenseLayer.Builder().nOut(500).build(), "pool2")
        .addLayer(
            OUTPUT,
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(Digits.CLASSES)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build(),
            "dense")
        .setOutputs(OUTPUT)
        .build();
  }

  /**
   * A small VGG-style net: [conv 3x3 same 32, BN, conv 3x3 same 32, BN, pool 2, dropout 0.25] then
   * the same with 64 (7x7x64), dense 256, BN, dropout 0.5, softmax 10. Convolutions and the dense
   * layer apply ReLU and batch normalisation follows (conv-ReLU-BN): DL4J's {@link
   * BatchNormalization} layer ignores an activation function.
   */
  static ComputationGraphConfiguration vgg(IUpdater updater, long seed) {
    ComputationGraphConfiguration.GraphBuilder g =
        base(updater, seed)
            .graphBuilder()
            .addInputs(INPUT)
            .setInputTypes(InputType.convolutional(Digits.SIDE, Digits.SIDE, 1));
    String last = INPUT;
    int[] widths = {32, 32, 0, 64, 64, 0};
    int block = 1;
    int conv = 1;
    for (int width : widths) {
      if (width == 0) {
        String pool = "pool" + block;
        String drop = "drop" + block++;
        g.addLayer(pool, maxPool(), last)
            .addLayer(drop, new DropoutLayer.Builder().dropOut(new Dropout(0.75)).build(), pool);
        last = drop;
        conv = 1;
        continue;
      }
      String name = "conv" + block + "_" + conv++;
      g.addLayer(
              name,
              new ConvolutionLayer.Builder(3, 3)
                  .nOut(width)
                  .convolutionMode(ConvolutionMode.Same)
                  .build(),
              last)
          .addLayer(name + "_bn", new BatchNormalization.Builder().build(), name);
      last = name + "_bn";
    }
    return g.addLayer("dense", new DenseLayer.Builder().nOut(256).build(), last)
        .addLayer("dense_bn", new BatchNormalization.Builder().build(), "dense")
        .addLayer(
            "dense_drop", new DropoutLayer.Builder().dropOut(new Dropout(0.5)).build(), "dense_bn")
        .addLayer(
            OUTPUT,
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(Digits.CLASSES)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build(),
            "dense_drop")
        .setOutputs(OUTPUT)
        .build();
  }

  private static SubsamplingLayer maxPool() {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
        .kernelSize(2, 2)
        .stride(2, 2)
        .build();
  }
}
