package io.digitclassifier.onnx;

/**
 * A network that {@link OnnxExport} cannot express in ONNX; the message names the layer and what it
 * has.
 */
public final class UnsupportedLayerException extends IllegalArgumentException {
  public UnsupportedLayerException(String message) {
    super(message);
  }
}
