package org.nd4j.nativeblas;

/**
 * Lets Deeplearning4j 1.0.0-M2 see that ND4J's natives have oneDNN. DL4J's check ({@code
 * BaseMKLDNNHelper.mklDnnEnabled()}) loads {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by name
 * and calls {@code getInstance()} and {@code isUseMKLDNN()}; ND4J M2's own bindings renamed that
 * class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the method to
 * {@code isUseONEDNN()}, so without this bridge the check fails and every oneDNN helper stays off.
 * Nothing else uses it.
 *
 * <p>The answer is what the loaded library can do, not only the setting: ND4J's setting is on even
 * in a build without oneDNN (the plain build), where DL4J would otherwise attach helpers that have
 * nothing to call.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  /** The old name, delegating to the renamed environment of ND4J's natives. */
  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    public boolean isUseMKLDNN() {
      return io.digitclassifier.natives.LoadedNatives.hasOneDnn()
          && org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }
  }
}
