package io.digitclassifier.onnx;

import io.digitclassifier.data.Digits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import onnx.OnnxMl;
import onnx.OnnxMl.AttributeProto;
import onnx.OnnxMl.AttributeProto.AttributeType;
import onnx.OnnxMl.NodeProto;
import onnx.OnnxMl.TensorProto;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.Pooling2D;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Writes a trained DL4J {@link ComputationGraph} as an ONNX model (opset {@value #OPSET}) that ONNX
 * Runtime runs: one input {@value #INPUT} of {@code [n, 1, 28, 28]} floats in [0,1] and one output
 * {@value #OUTPUT} of {@code [n, 10]} class probabilities, the layout {@code Predictor} feeds and
 * reads.
 *
 * <p>The graph is built from the network's configuration and parameters, vertex by vertex in DL4J's
 * topological order: convolutions ({@code Conv}; DL4J's {@code [out, in, kH, kW]} weights are
 * ONNX's layout; {@code Same} mode is {@code auto_pad=SAME_UPPER}, the other modes explicit {@code
 * pads}), max and average pooling, the flatten before a dense layer ({@code
 * CnnToFeedForwardPreProcessor}, c-h-w order, which ONNX's {@code Flatten(axis=1)} on NCHW
 * matches), dense layers ({@code Gemm} with DL4J's {@code [nIn, nOut]} weights), batch
 * normalisation (inference form; DL4J's {@code log10stdev} turned back into a variance), dropout
 * (the identity at inference), merges ({@code Concat} on DL4J's merge axis) and activations.
 * Anything else is refused by {@link UnsupportedLayerException}, naming the layer. The protobuf
 * classes are the ONNX schema's that {@code nd4j-api} carries (on ND4J's shaded protobuf); their
 * field numbers are ONNX's, so ONNX Runtime reads the bytes as any ONNX file.
 */
public final class OnnxExport {
  /** The ONNX operator set the graph is written for. */
  public static final int OPSET = 13;

  /** IR version 8 (ONNX 1.10): initializers need not be graph inputs. */
  public static final int IR_VERSION = 8;

  public static final String INPUT = "input";
  public static final String OUTPUT = "probabilities";

  /**
   * The prefix of the model's {@code doc_string}, followed by the SHA-256 of the {@code model.zip}
   * it came from.
   */
  public static final String SOURCE_PREFIX = "DigitClassifier export of model.zip sha256=";

  private final ComputationGraph net;
  private final OnnxMl.GraphProto.Builder graph =
      OnnxMl.GraphProto.newBuilder().setName("digitclassifier");
  private int counter;

  private OnnxExport(ComputationGraph net) {
    this.net = net;
  }

  /**
   * The ONNX bytes of a network that takes one 28x28x1 digit; {@code modelZipSha256} (the model's
   * identity) is recorded in the file's description so a reader can tell which {@code model.zip} it
   * belongs to.
   */
  public static byte[] export(ComputationGraph net, String modelZipSha256) {
    return new OnnxExport(net).build(modelZipSha256).toByteArray();
  }

  /**
   * The {@code model.zip} SHA-256 an exported file records, or null for an ONNX file this class did
   * not write.
   */
  public static String sourceSha256(String docString) {
    return docString != null && docString.startsWith(SOURCE_PREFIX)
        ? docString.substring(SOURCE_PREFIX.length())
        : null;
  }

  private OnnxMl.ModelProto build(String modelZipSha256) {
    ComputationGraphConfiguration conf = net.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new UnsupportedLayerException(
          "Cannot export the network to ONNX: it has "
              + conf.getNetworkInputs().size()
              + " inputs and "
              + conf.getNetworkOutputs().size()
              + " outputs, expected one of each");
    }
    double sum = net.params().sumNumber().doubleValue();
    if (!Double.isFinite(sum)) {
      throw new IllegalArgumentException(
          "Cannot export the network to ONNX: its parameters are not finite (their sum "
              + "is "
              + sum
              + "); the training that wrote it diverged");
    }
    String networkInput = conf.getNetworkInputs().get(0);
    String networkOutput = conf.getNetworkOutputs().get(0);
    graph.addInput(valueInfo(INPUT, "n", 1, Digits.SIDE, Digits.SIDE));
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Map<String, GraphVertex> vertices = conf.getVertices();
    String outputTensor = null;
    for (String name : conf.getTopologicalOrderStr()) {
      if (name.equals(networkInput)) continue;
      List<String> in = new ArrayList<>();
      for (String i : inputs.get(name)) in.add(tensorName(i, networkInput));
      String out = vertex(name, vertices.get(name), in);
      if (name.equals(networkOutput)) outputTensor = out;
    }
    // the graph's output keeps a fixed name whatever the last vertex is called
    node("Identity", List.of(outputTensor), OUTPUT, "output");
    graph.addOutput(valueInfo(OUTPUT, "n", "classes"));
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("digitclassifier")
        .setProducerVersion(
            "DL4J "
                + org.deeplearning4j.nn.conf.NeuralNetConfiguration.class
                    .getPackage()
                    .getImplementationVersion())
        .setDocString(SOURCE_PREFIX + modelZipSha256)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build();
  }

  /** The ONNX tensor that holds a vertex's activations. */
  private static String tensorName(String vertex, String networkInput) {
    return vertex.equals(networkInput) ? INPUT : vertex;
  }

  /**
   * Adds the nodes of one vertex, whose inputs are the tensors {@code in}; returns its output
   * tensor's name.
   */
  private String vertex(String name, GraphVertex v, List<String> in) {
    if (v instanceof MergeVertex merge) {
      return node("Concat", in, name, name, intAttr("axis", merge.getMergeAxis()));
    }
    if (!(v instanceof LayerVertex lv)) {
      throw new UnsupportedLayerException(
          "Cannot export vertex '"
              + name
              + "' ("
              + v.getClass().getSimpleName()
              + ") to ONNX: only layers and merge vertices are supported");
    }
    if (in.size() != 1) {
      throw new UnsupportedLayerException(
          "Cannot export layer '" + name + "' to ONNX: it has " + in.size() + " inputs");
    }
    String x = preprocess(name, lv.getPreProcessor(), in.get(0));
    Layer layer = lv.getLayerConf().getLayer();
    Class<?> kind = layer.getClass();
    if (kind == ConvolutionLayer.class || kind == Convolution2D.class)
      return conv(name, (ConvolutionLayer) layer, x);
    if (kind == SubsamplingLayer.class || kind == Pooling2D.class)
      return pool(name, (SubsamplingLayer) layer, x);
    if (kind == DenseLayer.class || kind == OutputLayer.class)
      return dense(name, (BaseLayer) layer, x);
    if (kind == BatchNormalization.class) return batchNorm(name, (BatchNormalization) layer, x);
    if (kind == DropoutLayer.class) return node("Identity", List.of(x), name, name);
    if (kind == ActivationLayer.class)
      return activation(name, ((ActivationLayer) layer).getActivationFn(), x, name);
    throw new UnsupportedLayerException(
        "Cannot export layer '"
            + name
            + "' ("
            + kind.getSimpleName()
            + ") to ONNX: supported are convolution, subsampling, dense, output, batch normalization, dropout and "
            + "activation layers and merge vertices");
  }

  private String preprocess(String name, InputPreProcessor p, String x) {
    if (p == null) return x;
    if (p instanceof CnnToFeedForwardPreProcessor cnn && cnn.getFormat() == CNN2DFormat.NCHW) {
      return node("Flatten", List.of(x), name + "_flatten", name + "_flatten", intAttr("axis", 1));
    }
    throw new UnsupportedLayerException(
        "Cannot export layer '"
            + name
            + "' to ONNX: its input preprocessor "
            + p.getClass().getSimpleName()
            + " is not supported (only an NCHW CnnToFeedForwardPreProcessor)");
  }

  private String conv(String name, ConvolutionLayer c, String x) {
    if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
      throw new UnsupportedLayerException(
          "Cannot export layer '"
              + name
              + "' to ONNX: data format "
              + c.getCnn2dDataFormat()
              + ", only NCHW is supported");
    }
    List<String> in = new ArrayList<>(List.of(x, initializer(name + "_W", param(name, "W"))));
    if (c.hasBias()) in.add(initializer(name + "_b", flat(param(name, "b"))));
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intsAttr("kernel_shape", c.getKernelSize()));
    attrs.add(intsAttr("strides", c.getStride()));
    attrs.add(intsAttr("dilations", c.getDilation()));
    attrs.addAll(padding(name, c.getConvolutionMode(), c.getPadding()));
    String conv =
        node("Conv", in, name + "_conv", name + "_conv", attrs.toArray(AttributeProto[]::new));
    return activation(name, c.getActivationFn(), conv, name);
  }

  private String pool(String name, SubsamplingLayer s, String x) {
    if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
      throw new UnsupportedLayerException(
          "Cannot export layer '"
              + name
              + "' to ONNX: data format "
              + s.getCnn2dDataFormat()
              + ", only NCHW is supported");
    }
    int[] d = s.getDilation();
    if (d != null && (d[0] != 1 || d[1] != 1)) {
      throw new UnsupportedLayerException(
          "Cannot export layer '" + name + "' to ONNX: dilated pooling is not supported");
    }
    List<AttributeProto> attrs = new ArrayList<>();
    attrs.add(intsAttr("kernel_shape", s.getKernelSize()));
    attrs.add(intsAttr("strides", s.getStride()));
    attrs.addAll(padding(name, s.getConvolutionMode(), s.getPadding()));
    PoolingType type = s.getPoolingType();
    if (type == PoolingType.MAX)
      return node("MaxPool", List.of(x), name, name, attrs.toArray(AttributeProto[]::new));
    if (type == PoolingType.AVG) {
      attrs.add(intAttr("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1 : 0));
      return node("AveragePool", List.of(x), name, name, attrs.toArray(AttributeProto[]::new));
    }
    throw new UnsupportedLayerException(
        "Cannot export layer '"
            + name
            + "' to ONNX: pooling type "
            + type
            + " is not supported (MAX, AVG)");
  }

  /**
   * ONNX's padding for DL4J's convolution mode: {@code Same} pads as ceil(in / stride), the rest
   * explicitly.
   */
  private static List<AttributeProto> padding(String name, ConvolutionMode mode, int[] pad) {
    if (mode == ConvolutionMode.Same) {
      return List.of(
          AttributeProto.newBuilder()
              .setName("auto_pad")
              .setType(AttributeType.STRING)
              .setS(ByteString.copyFromUtf8("SAME_UPPER"))
              .build());
    }
    if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
      return List.of(intsAttr("pads", new int[] {pad[0], pad[1], pad[0], pad[1]}));
    }
    throw new UnsupportedLayerException(
        "Cannot export layer '"
            + name
            + "' to ONNX: convolution mode "
            + mode
            + " is not supported (Same, Truncate, Strict)");
  }

  private String dense(String name, BaseLayer layer, String x) {
    boolean bias = layer instanceof DenseLayer d ? d.hasBias() : ((OutputLayer) layer).hasBias();
    List<String> in = new ArrayList<>(List.of(x, initializer(name + "_W", param(name, "W"))));
    if (bias) in.add(initializer(name + "_b", flat(param(name, "b"))));
    String gemm = node("Gemm", in, name + "_gemm", name + "_gemm");
    return activation(name, layer.getActivationFn(), gemm, name);
  }

  private String batchNorm(String name, BatchNormalization bn, String x) {
    if (bn.isLockGammaBeta()) {
      throw new UnsupportedLayerException(
          "Cannot export layer '" + name + "' to ONNX: lockGammaBeta is not supported");
    }
    if (bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
      throw new UnsupportedLayerException(
          "Cannot export layer '"
              + name
              + "' to ONNX: data format "
              + bn.getCnn2DFormat()
              + ", only NCHW is supported");
    }
    INDArray variance;
    if (bn.isUseLogStd()) {
      // DL4J keeps log10 of the standard deviation; its inference takes variance = (10^log10std)^2
      // and adds eps
      float[] log10std =
          flat(param(name, "log10stdev")).dup().castTo(DataType.FLOAT).toFloatVector();
      float[] v = new float[log10std.length];
      for (int i = 0; i < v.length; i++) v[i] = (float) Math.pow(10, 2.0 * log10std[i]);
      variance = Nd4j.create(v);
    } else {
      variance = param(name, "var");
    }
    List<String> in =
        List.of(
            x,
            initializer(name + "_gamma", flat(param(name, "gamma"))),
            initializer(name + "_beta", flat(param(name, "beta"))),
            initializer(name + "_mean", flat(param(name, "mean"))),
            initializer(name + "_var", flat(variance)));
    return node("BatchNormalization", in, name, name, floatAttr("epsilon", (float) bn.getEps()));
  }

  private String activation(String layer, IActivation fn, String x, String out) {
    String op;
    if (fn instanceof ActivationIdentity) op = "Identity";
    else if (fn instanceof ActivationReLU relu && isPlainRelu(relu)) op = "Relu";
    else if (fn instanceof ActivationSoftmax)
      return node("Softmax", List.of(x), out, out + "_softmax", intAttr("axis", 1));
    else if (fn instanceof ActivationSigmoid) op = "Sigmoid";
    else if (fn instanceof ActivationTanH) op = "Tanh";
    else {
      throw new UnsupportedLayerException(
          "Cannot export layer '"
              + layer
              + "' to ONNX: activation "
              + fn
              + " is not supported (identity, relu, softmax, sigmoid, tanh)");
    }
    return node(op, List.of(x), out, out + "_" + op.toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * DL4J's ReLU may carry a maximum, a threshold and a negative slope; ONNX's {@code Relu} has none
   * of them.
   */
  private static boolean isPlainRelu(ActivationReLU relu) {
    return relu.getMax() == null
        && (relu.getThreshold() == null || relu.getThreshold() == 0)
        && (relu.getNegativeSlope() == null || relu.getNegativeSlope() == 0);
  }

  private INDArray param(String layer, String key) {
    INDArray p = net.getLayer(layer).getParam(key);
    if (p == null) {
      throw new UnsupportedLayerException(
          "Cannot export layer '" + layer + "' to ONNX: it has no parameter " + key);
    }
    return p;
  }

  private static INDArray flat(INDArray a) {
    return a.reshape(a.length());
  }

  private String initializer(String name, INDArray value) {
    float[] data = value.dup('c').castTo(DataType.FLOAT).data().asFloat();
    ByteBuffer bytes =
        ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT)
            .setRawData(ByteString.copyFrom(bytes.array()));
    for (long d : value.shape()) t.addDims(d);
    graph.addInitializer(t);
    return name;
  }

  private String node(
      String op, List<String> inputs, String output, String nodeName, AttributeProto... attrs) {
    NodeProto.Builder n =
        NodeProto.newBuilder().setOpType(op).setName(nodeName + "#" + counter++).addOutput(output);
    inputs.forEach(n::addInput);
    for (AttributeProto a : attrs) n.addAttribute(a);
    graph.addNode(n);
    return output;
  }

  private static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
  }

  private static AttributeProto floatAttr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  private static AttributeProto intsAttr(String name, int[] values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
    for (int v : values) a.addInts(v);
    return a.build();
  }

  /** A float tensor's name and shape; a String dimension is symbolic (the batch). */
  private static OnnxMl.ValueInfoProto valueInfo(String name, Object... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (Object d : dims) {
      OnnxMl.TensorShapeProto.Dimension.Builder dim =
          OnnxMl.TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String s) dim.setDimParam(s);
      else dim.setDimValue(((Number) d).longValue());
      shape.addDim(dim);
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT)
                        .setShape(shape)))
        .build();
  }
}
