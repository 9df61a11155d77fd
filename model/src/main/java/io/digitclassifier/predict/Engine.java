package io.digitclassifier.predict;

/**
 * What runs a model's forward pass. {@link #ONNX} (the default) runs the model's ONNX export
 * through ONNX Runtime, one session per JVM shared by its threads; {@link #DL4J} runs the DL4J
 * network itself, the training engine and the reference the ONNX export is tested against.
 */
public enum Engine {
  ONNX("onnxruntime"),
  DL4J("dl4j");

  private final String label;

  Engine(String label) {
    this.label = label;
  }

  /** The engine's name as summaries and {@code /api/health} record it. */
  public String label() {
    return label;
  }
}
