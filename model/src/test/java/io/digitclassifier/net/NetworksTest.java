package io.digitclassifier.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.natives.LoadedNatives;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class NetworksTest {

  @Test
  void seedIsTheOriginalsThreeBranchNet() {
    ComputationGraph net = Networks.build(NetworkKind.THREE_BRANCH, new Adam(1e-3), 1);
    // 3 x (conv1 + conv2) + dense 3456 -> 1000 + softmax 1000 -> 10: the same count as the PyTorch
    // peer's net
    long expected =
        (640 + 18_464)
            + (1_664 + 18_464)
            + (640 + 18_464)
            + (3_456L * 1000 + 1000)
            + (1000 * 10 + 10);
    assertThat(net.numParams()).isEqualTo(expected).isEqualTo(3_525_346L);
    for (String branch : new String[] {"a", "b", "c"}) {
      assertThat(net.getConfiguration().getVertices()).containsKey(branch + "_drop");
    }
    assertProbabilities(net.outputSingle(Nd4j.rand(3, 1, 28, 28)), 3);
  }

  @Test
  void lenetIsCaffesLeNet() {
    ComputationGraph net = Networks.build(NetworkKind.LENET, new Adam(1e-3), 1);
    long expected = (25 * 20 + 20) + (25 * 20 * 50 + 50) + (800 * 500 + 500) + (500 * 10 + 10);
    assertThat(net.numParams()).isEqualTo(expected).isEqualTo(431_080L);
    assertProbabilities(net.outputSingle(Nd4j.rand(2, 1, 28, 28)), 2);
  }

  @Test
  void vggIsTwoBlocksOfBatchNormalisedConvolutions() {
    ComputationGraph net = Networks.build(NetworkKind.VGG, new Adam(1e-3), 1);
    long convs = (9 * 32 + 32) + (9 * 32 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64);
    long batchNorm =
        4L * (32 + 32 + 64 + 64 + 256); // gamma, beta and the running mean and variance
    long expected = convs + batchNorm + (7 * 7 * 64 * 256 + 256) + (256 * 10 + 10);
    assertThat(net.numParams()).isEqualTo(expected).isEqualTo(872_426L);
    assertThat(Dl4jHelpers.active(net)).isEqualTo(LoadedNatives.hasOneDnn());
    assertProbabilities(net.outputSingle(Nd4j.rand(3, 1, 28, 28)), 3);
  }

  @Test
  void convolutionsRunOnOneDnnWhereTheLoadedBuildHasIt() {
    // The natives chosen for this CPU, the helpers property (Surefire and bin/* set it) and the
    // Nd4jCpu bridge
    // together; NativeBuildChildJvmTest checks the plain build, where the helpers must stay off.
    ComputationGraph net = Networks.build(NetworkKind.THREE_BRANCH, new Adam(1e-3), 1);
    String build = LoadedNatives.build();
    assertThat(System.getProperty(Dl4jHelpers.PROPERTY)).isEqualTo("false");
    assertThat(LoadedNatives.hasOneDnn()).as(build).isEqualTo(build.contains("-onednn"));
    assertThat(org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled())
        .isEqualTo(LoadedNatives.hasOneDnn());
    assertThat(Dl4jHelpers.active(net)).isEqualTo(LoadedNatives.hasOneDnn());
  }

  @Test
  void sameSeedGivesSameInitialWeights() {
    INDArray a = Networks.build(NetworkKind.LENET, new Adam(1e-3), 5).params();
    INDArray b = Networks.build(NetworkKind.LENET, new Adam(1e-3), 5).params();
    INDArray c = Networks.build(NetworkKind.LENET, new Adam(1e-3), 6).params();
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  private static void assertProbabilities(INDArray out, int n) {
    assertThat(out.shape()).containsExactly(n, 10);
    for (int i = 0; i < n; i++) {
      assertThat(out.getRow(i).sumNumber().doubleValue())
          .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
  }
}
