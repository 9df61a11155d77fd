package io.digitclassifier.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;

/**
 * DL4J's native helpers (oneDNN for convolution, pooling, dropout) are off by default in 1.0.0-M2:
 * the system property {@value #PROPERTY} must be {@code false} in every JVM that builds a network,
 * before it builds one. Launchers set it ({@code bin/*}, {@code spark.executor.extraJavaOptions});
 * the project's code that runs first on a driver or an executor also sets it, unless a user set it
 * explicitly.
 */
public final class Dl4jHelpers {
  public static final String PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

  private Dl4jHelpers() {}

  /** Turns the helpers on in this JVM unless the property was set explicitly. */
  public static void enable() {
    if (System.getProperty(PROPERTY) == null) System.setProperty(PROPERTY, "false");
  }

  /** Whether the network's first convolution layer runs on a oneDNN helper. */
  public static boolean active(ComputationGraph net) {
    for (Layer layer : net.getLayers()) {
      if (layer instanceof ConvolutionLayer conv) return conv.getHelper() != null;
    }
    return false;
  }
}
