package io.digitclassifier.ml.fit;

import io.digitclassifier.data.Digits;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Random affine copies of a digit, as Keras' {@code ImageDataGenerator(rotation_range=10,
 * zoom_range=0.1, width_shift_range=0.1, height_shift_range=0.1)} made them for the original app:
 * rotation up to the given degrees either way, independent zoom per axis within 1 ± zoom, shifts up
 * to a fraction of width and height. Pixels are sampled bilinearly; what falls outside the image is
 * background (0).
 *
 * <p>Every copy is seeded from (seed, record id, copy number) alone, so the same seed gives the
 * same images however the data is partitioned.
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double CENTRE = (Digits.SIDE - 1) / 2.0;

  private final double maxRotationDegrees;
  private final double zoom;
  private final double shift;

  public Augmenter(double maxRotationDegrees, double zoom, double shift) {
    if (maxRotationDegrees < 0 || zoom < 0 || zoom >= 1 || shift < 0 || shift >= 1) {
      throw new IllegalArgumentException(
          "Cannot augment: rotation must be >= 0, zoom and shift in [0, 1)");
    }
    this.maxRotationDegrees = maxRotationDegrees;
    this.zoom = zoom;
    this.shift = shift;
  }

  /** The original app's settings: ±10 degrees, zoom ±10%, shifts ±10%. */
  public static Augmenter original() {
    return new Augmenter(10, 0.1, 0.1);
  }

  /** One sampled transform: rotation in degrees, zoom per axis, shift in pixels. */
  public record Transform(
      double degrees, double zoomX, double zoomY, double shiftX, double shiftY) {}

  /** The transform for copy {@code copy} of record {@code id}. */
  public Transform transformFor(long seed, long id, int copy) {
    SplittableRandom rnd = new SplittableRandom(mix(mix(seed) ^ id) ^ (copy * 0x9E3779B97F4A7C15L));
    return new Transform(
        uniform(rnd, maxRotationDegrees),
        1 + uniform(rnd, zoom),
        1 + uniform(rnd, zoom),
        uniform(rnd, shift) * Digits.SIDE,
        uniform(rnd, shift) * Digits.SIDE);
  }

  /** Copy {@code copy} of a 28x28 image. */
  public byte[] augment(byte[] pixels, long seed, long id, int copy) {
    return apply(pixels, transformFor(seed, id, copy));
  }

  /**
   * Applies a transform. Each output pixel p' takes the input at the inverse image p = Z^-1 R^-1
   * (p' - c - t) + c, where c is the image centre, so zoom and rotation keep the centre fixed.
   */
  public static byte[] apply(byte[] pixels, Transform t) {
    double rad = Math.toRadians(t.degrees());
    double cos = Math.cos(rad);
    double sin = Math.sin(rad);
    byte[] out = new byte[Digits.PIXELS];
    for (int y = 0; y < Digits.SIDE; y++) {
      for (int x = 0; x < Digits.SIDE; x++) {
        double dx = x - CENTRE - t.shiftX();
        double dy = y - CENTRE - t.shiftY();
        // inverse rotation, then inverse zoom
        double sx = (cos * dx + sin * dy) / t.zoomX() + CENTRE;
        double sy = (-sin * dx + cos * dy) / t.zoomY() + CENTRE;
        int v = (int) Math.round(bilinear(pixels, sx, sy));
        out[y * Digits.SIDE + x] = (byte) Math.max(0, Math.min(255, v));
      }
    }
    return out;
  }

  private static double bilinear(byte[] img, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double fx = x - x0;
    double fy = y - y0;
    return (1 - fx) * (1 - fy) * at(img, x0, y0)
        + fx * (1 - fy) * at(img, x0 + 1, y0)
        + (1 - fx) * fy * at(img, x0, y0 + 1)
        + fx * fy * at(img, x0 + 1, y0 + 1);
  }

  private static int at(byte[] img, int x, int y) {
    if (x < 0 || y < 0 || x >= Digits.SIDE || y >= Digits.SIDE) return 0;
    return img[y * Digits.SIDE + x] & 0xFF;
  }

  private static double uniform(SplittableRandom rnd, double bound) {
    return bound == 0 ? 0 : rnd.nextDouble(-bound, bound);
  }

  /** SplitMix64's finaliser: spreads nearby seeds and ids over the whole range. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
