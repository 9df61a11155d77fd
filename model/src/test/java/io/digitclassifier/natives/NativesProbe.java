package io.digitclassifier.natives;

import io.digitclassifier.net.Dl4jHelpers;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A JVM's start as the jobs make it: pick the natives, build LeNet and fit one minibatch; prints
 * what was loaded. {@link NativeBuildChildJvmTest} runs it in child JVMs with forced builds and
 * other CPUs' flags.
 */
public final class NativesProbe {
  private NativesProbe() {}

  public static void main(String[] args) {
    try {
      NativeBuild.select();
    } catch (IllegalStateException e) {
      System.err.println("Refused: " + e.getMessage());
      System.exit(3);
    }
    Dl4jHelpers.enable();
    ComputationGraph net = Networks.build(NetworkKind.LENET, new Adam(1e-3), 1);
    Nd4j.getRandom().setSeed(7);
    DataSet batch =
        new DataSet(
            Nd4j.rand(16, 1, 28, 28),
            Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5));
    double before = net.score(batch);
    net.fit(batch);
    double after = net.score(batch);
    System.out.printf(
        "PROBE build=%s oneDnn=%s dl4jOneDnn=%s helper=%s scoreBefore=%.4f scoreAfter=%.4f%n",
        LoadedNatives.build(),
        LoadedNatives.hasOneDnn(),
        BaseMKLDNNHelper.mklDnnEnabled(),
        Dl4jHelpers.active(net),
        before,
        after);
  }
}
