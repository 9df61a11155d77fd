package io.digitclassifier.image;

import io.digitclassifier.data.Digits;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.util.Arrays;

/**
 * Turns an image of any size and colour into an MNIST-like digit: 784 unsigned bytes, light ink on
 * black, row-major.
 *
 * <p>The recipe is MNIST's, made robust to photos and canvas drawings:
 *
 * <ol>
 *   <li>intensity: luminance (Rec. 601); but when the image has an alpha channel and its border is
 *       mostly transparent (median border alpha below 128), the opacity, so that black, white or
 *       coloured strokes on a transparent canvas all count as ink (see-through pixels of an opaque
 *       image show the border's colour);
 *   <li>background: the median of the outermost rows and columns; inverted when it is light, then
 *       subtracted, so the background is 0 and the ink light;
 *   <li>crop to the ink: pixels above {@code max(30, 0.2 * strongest)}; when nothing stands out by
 *       more than 30 levels the image is blank;
 *   <li>scale so that the longer side is 20 pixels, keeping the aspect ratio: area averaging when
 *       shrinking, bilinear when enlarging; then stretch so that the strongest ink is 255;
 *   <li>place in 28x28 with the intensities' centre of mass at the centre, by whole pixels, clamped
 *       so nothing is cut off.
 * </ol>
 *
 * Deterministic (plain float arithmetic, no AWT scaling); about 3 ms for a 280x280 canvas and 15 ms
 * a megapixel.
 *
 * <p>Every problem with the input is an {@link ImageDecodeException} whose message is a short
 * reason.
 */
public final class ImagePreprocessor {
  /**
   * The largest width or height accepted, so that a request cannot make the decoder allocate
   * gigabytes.
   */
  public static final int MAX_SIDE = ImageDecoder.Budget.DEFAULT.maxSide();

  /** MNIST's digits fit a 20x20 box inside the 28x28 image. */
  static final int BOX = 20;

  static final int SIDE = Digits.SIDE;

  /**
   * Ink must stand out from the background by more than this (0-255); less is JPEG noise or a blank
   * page.
   */
  static final float MIN_INK = 30f;

  /**
   * Pixels above this fraction of the strongest ink count towards the crop, so faint smudges do not
   * widen it.
   */
  static final float INK_FRACTION = 0.2f;

  /**
   * Steps that can be switched off so that tests can show each one matters; production always uses
   * {@link #MNIST}.
   *
   * @param background find the background from the border, take opacity or inverted luminance as
   *     ink accordingly and subtract the background (off: luminance is ink, as a naive pipeline
   *     would have it)
   * @param keepAspect fit the longer side into 20 pixels (off: stretch the crop to 20x20)
   * @param centreOfMass place the centre of mass at the centre (off: centre the 20x20 box)
   * @param photo find the handwriting on a page that is not clean ({@link PageCleaner}); off: every
   *     image is taken as clean, as before photos were read
   */
  record Recipe(boolean background, boolean keepAspect, boolean centreOfMass, boolean photo) {
    static final Recipe MNIST = new Recipe(true, true, true, true);

    /** MNIST's recipe as it was before photos: clean images take exactly this way still. */
    static final Recipe CLEAN_ONLY = new Recipe(true, true, true, false);

    Recipe(boolean background, boolean keepAspect, boolean centreOfMass) {
      this(background, keepAspect, centreOfMass, true);
    }
  }

  private ImagePreprocessor() {}

  /**
   * Decodes a PNG, JPEG, BMP, GIF (the first frame), TIFF or WebP ({@link ImageDecoder}) and
   * prepares it as {@link #toMnist(BufferedImage)} does.
   */
  public static byte[] toMnist(byte[] encodedImage) {
    return toMnist(decode(encodedImage));
  }

  /** The image as an MNIST digit: 784 bytes (0-255 unsigned), light ink on black, row-major. */
  public static byte[] toMnist(BufferedImage image) {
    return toMnist(image, Recipe.MNIST);
  }

  static byte[] toMnist(BufferedImage image, Recipe recipe) {
    checkSize(image.getWidth(), image.getHeight());
    PageCleaner.Plane plane = ink(image, recipe);
    float[] ink = plane.values();
    int w = plane.width();
    int h = plane.height();

    float max = 0;
    for (float v : ink) max = Math.max(max, v);
    if (max <= MIN_INK) throw new NoDigitException("no ink found (blank image)");
    float threshold = Math.max(MIN_INK, INK_FRACTION * max);
    int left = w;
    int top = h;
    int right = -1;
    int bottom = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (ink[y * w + x] > threshold) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    int bw = right - left + 1;
    int bh = bottom - top + 1;
    float[] crop = new float[bw * bh];
    for (int y = 0; y < bh; y++) {
      System.arraycopy(ink, (top + y) * w + left, crop, y * bw, bw);
    }

    int nw = BOX;
    int nh = BOX;
    if (recipe.keepAspect()) {
      double scale = (double) BOX / Math.max(bw, bh);
      nw = Math.max(1, Math.min(BOX, (int) Math.round(bw * scale)));
      nh = Math.max(1, Math.min(BOX, (int) Math.round(bh * scale)));
    }
    float[] small = resize(crop, bw, bh, nw, nh);
    // Stretched after shrinking so that the strongest ink is 255, as in MNIST, whatever the pen,
    // the exposure or
    // how thin the strokes were before area averaging spread them out.
    float smallMax = 0;
    for (float v : small) smallMax = Math.max(smallMax, v);
    float gain = 255f / smallMax;
    for (int i = 0; i < small.length; i++) small[i] *= gain;

    int ox = (SIDE - nw) / 2;
    int oy = (SIDE - nh) / 2;
    if (recipe.centreOfMass()) {
      double sum = 0;
      double sx = 0;
      double sy = 0;
      for (int y = 0; y < nh; y++) {
        for (int x = 0; x < nw; x++) {
          float v = small[y * nw + x];
          sum += v;
          sx += x * v;
          sy += y * v;
        }
      }
      // Whole-pixel shifts: a sub-pixel shift would blur the digit once more.
      double centre = (SIDE - 1) / 2.0;
      ox = clamp((int) Math.round(centre - sx / sum), 0, SIDE - nw);
      oy = clamp((int) Math.round(centre - sy / sum), 0, SIDE - nh);
    }

    byte[] out = new byte[Digits.PIXELS];
    for (int y = 0; y < nh; y++) {
      for (int x = 0; x < nw; x++) {
        out[(oy + y) * SIDE + ox + x] = (byte) clamp(Math.round(small[y * nw + x]), 0, 255);
      }
    }
    return out;
  }

  /**
   * The recipe as it was before photos were read: every image is taken as clean (no search for the
   * handwriting on the page). For comparisons ({@code bin/benchmark-photos}); clean images give the
   * same digit either way.
   */
  public static byte[] toMnistCleanOnly(byte[] encodedImage) {
    return toMnist(decode(encodedImage), Recipe.CLEAN_ONLY);
  }

  /** Decodes the first image in {@code encoded} under {@link ImageDecoder}'s default budget. */
  public static BufferedImage decode(byte[] encoded) {
    return ImageDecoder.decode(encoded);
  }

  private static void checkSize(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new ImageDecodeException("empty image (" + width + "x" + height + " pixels)");
    }
    if (width > MAX_SIDE || height > MAX_SIDE) {
      throw new ImageDecodeException(
          "image is "
              + width
              + "x"
              + height
              + " pixels, larger than the "
              + MAX_SIDE
              + "x"
              + MAX_SIDE
              + " limit");
    }
  }

  /**
   * Ink intensity per pixel (0-255, light ink on black, background at 0). With {@code background}
   * off, the luminance itself. A page that is not clean comes back from {@link PageCleaner} at its
   * working resolution.
   */
  static PageCleaner.Plane ink(BufferedImage image, Recipe recipe) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] lum = new float[w * h];
    float[] alpha = image.getColorModel().hasAlpha() ? new float[w * h] : null;
    readPixels(image, lum, alpha);
    if (!recipe.background()) return new PageCleaner.Plane(lum, w, h);

    float[] ink = lum;
    boolean drawing = false;
    if (alpha != null) {
      if (median(border(alpha, w, h)) < 128) {
        // A drawing on a transparent canvas: the strokes are whatever is opaque, black or white or
        // any colour.
        ink = alpha;
        drawing = true;
      } else {
        // Opaque background with some see-through pixels (rounded corners, say): show them as
        // background.
        float paper = opaqueBorderLuminance(lum, alpha, w, h);
        for (int i = 0; i < lum.length; i++) {
          float a = alpha[i] / 255f;
          lum[i] = lum[i] * a + paper * (1 - a);
        }
      }
    }
    float back = median(border(ink, w, h));
    boolean invert = back > 127.5f;
    if (invert) {
      back = 255 - back;
      for (int i = 0; i < ink.length; i++) ink[i] = 255 - ink[i];
    }
    if (recipe.photo() && !drawing && !PageCleaner.isClean(ink, w, h, back, MIN_INK))
      return PageCleaner.clean(ink, w, h);
    for (int i = 0; i < ink.length; i++) {
      // Grey paper or a dark grey screen becomes black, as MNIST's background is.
      ink[i] = Math.max(0, ink[i] - back);
    }
    return new PageCleaner.Plane(ink, w, h);
  }

  private static void readPixels(BufferedImage image, float[] lum, float[] alpha) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    int type = raster.getTransferType();
    if (cm instanceof ComponentColorModel
        && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && !cm.isAlphaPremultiplied()
        && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT)) {
      // getRGB would treat the samples as linear gray and brighten the mid-greys on the way to
      // sRGB; the stored
      // values are what a grayscale PNG (an exported MNIST digit, say) means.
      float lumScale = 255f / ((1 << cm.getComponentSize(0)) - 1);
      float alphaScale = alpha == null ? 0 : 255f / ((1 << cm.getComponentSize(1)) - 1);
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) lum[y * w + x] = row[x] * lumScale;
        if (alpha != null) {
          raster.getSamples(0, y, w, 1, 1, row);
          for (int x = 0; x < w; x++) alpha[y * w + x] = row[x] * alphaScale;
        }
      }
      return;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        // Luma with Rec. 601 weights, as most image tools convert to grayscale.
        lum[y * w + x] =
            0.299f * ((argb >> 16) & 0xFF) + 0.587f * ((argb >> 8) & 0xFF) + 0.114f * (argb & 0xFF);
        if (alpha != null) alpha[y * w + x] = (argb >>> 24);
      }
    }
  }

  /** The outermost rows and columns, where the background is. */
  static float[] border(float[] values, int w, int h) {
    if (w <= 2 || h <= 2) return values.clone();
    float[] out = new float[2 * w + 2 * (h - 2)];
    int k = 0;
    for (int x = 0; x < w; x++) {
      out[k++] = values[x];
      out[k++] = values[(h - 1) * w + x];
    }
    for (int y = 1; y < h - 1; y++) {
      out[k++] = values[y * w];
      out[k++] = values[y * w + w - 1];
    }
    return out;
  }

  private static float opaqueBorderLuminance(float[] lum, float[] alpha, int w, int h) {
    float[] l = border(lum, w, h);
    float[] a = border(alpha, w, h);
    int n = 0;
    for (int i = 0; i < l.length; i++) {
      if (a[i] >= 128) l[n++] = l[i];
    }
    return n == 0 ? 255f : median(Arrays.copyOf(l, n));
  }

  /** Sorts {@code values} in place and returns the median. */
  private static float median(float[] values) {
    Arrays.sort(values);
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  /**
   * Resamples separably: area averaging when shrinking (every source pixel counts, so thin strokes
   * fade rather than vanish between samples), bilinear when enlarging.
   */
  static float[] resize(float[] src, int sw, int sh, int dw, int dh) {
    Taps tx = Taps.of(sw, dw);
    Taps ty = Taps.of(sh, dh);
    float[] rows = new float[dw * sh];
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < dw; x++) {
        int[] index = tx.index[x];
        float[] weight = tx.weight[x];
        float sum = 0;
        for (int t = 0; t < index.length; t++) sum += src[y * sw + index[t]] * weight[t];
        rows[y * dw + x] = sum;
      }
    }
    float[] out = new float[dw * dh];
    for (int y = 0; y < dh; y++) {
      int[] index = ty.index[y];
      float[] weight = ty.weight[y];
      for (int x = 0; x < dw; x++) {
        float sum = 0;
        for (int t = 0; t < index.length; t++) sum += rows[index[t] * dw + x] * weight[t];
        out[y * dw + x] = sum;
      }
    }
    return out;
  }

  /**
   * For each output position along one axis, the source positions it draws on and their weights
   * (summing to 1).
   */
  private static final class Taps {
    final int[][] index;
    final float[][] weight;

    private Taps(int n) {
      index = new int[n][];
      weight = new float[n][];
    }

    static Taps of(int in, int out) {
      Taps taps = new Taps(out);
      double ratio = (double) in / out;
      for (int o = 0; o < out; o++) {
        if (ratio >= 1) {
          double from = o * ratio;
          double to = Math.min(in, (o + 1) * ratio);
          int first = (int) Math.floor(from);
          int last = Math.min(in, (int) Math.ceil(to));
          int n = Math.max(1, last - first);
          taps.index[o] = new int[n];
          taps.weight[o] = new float[n];
          for (int t = 0; t < n; t++) {
            int i = Math.min(in - 1, first + t);
            taps.index[o][t] = i;
            taps.weight[o][t] = (float) ((Math.min(to, i + 1) - Math.max(from, i)) / ratio);
          }
        } else {
          double x = (o + 0.5) * ratio - 0.5;
          int i = (int) Math.floor(x);
          float f = (float) (x - i);
          taps.index[o] = new int[] {clamp(i, 0, in - 1), clamp(i + 1, 0, in - 1)};
          taps.weight[o] = new float[] {1 - f, f};
        }
      }
      return taps;
    }
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
