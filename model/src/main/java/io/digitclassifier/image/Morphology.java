package io.digitclassifier.image;

/**
 * Grey-level erosion and dilation with a square window, which BoofCV has for binary images only:
 * each is a minimum (or maximum) along the rows and then along the columns, {@code radius} pixels
 * either side, the window cut off at the image's sides.
 */
final class Morphology {
  private Morphology() {}

  /** Each pixel becomes the smallest value within {@code radius} of it (in both directions). */
  static float[] min(float[] values, int w, int h, int radius) {
    return pass(pass(values, w, h, radius, true, false), w, h, radius, false, false);
  }

  /** Each pixel becomes the largest value within {@code radius} of it (in both directions). */
  static float[] max(float[] values, int w, int h, int radius) {
    return pass(pass(values, w, h, radius, true, true), w, h, radius, false, true);
  }

  private static float[] pass(float[] in, int w, int h, int radius, boolean rows, boolean max) {
    float[] out = new float[in.length];
    int lines = rows ? h : w;
    int length = rows ? w : h;
    int step = rows ? 1 : w;
    for (int line = 0; line < lines; line++) {
      int base = rows ? line * w : line;
      for (int i = 0; i < length; i++) {
        int from = Math.max(0, i - radius);
        int to = Math.min(length - 1, i + radius);
        float best = in[base + from * step];
        for (int j = from + 1; j <= to; j++) {
          float v = in[base + j * step];
          best = max ? Math.max(best, v) : Math.min(best, v);
        }
        out[base + i * step] = best;
      }
    }
    return out;
  }
}
