package io.digitclassifier.image;

import boofcv.alg.filter.binary.BinaryImageOps;
import boofcv.alg.filter.binary.GThresholdImageOps;
import boofcv.alg.filter.blur.BlurImageOps;
import boofcv.alg.filter.blur.GBlurImageOps;
import boofcv.concurrency.BoofConcurrency;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.GrayU8;

/**
 * Finds the handwriting on a photographed or scanned page, before MNIST's recipe: the step that
 * makes grain, shading, printed lines and the desk beyond the page's edge stop counting as ink.
 *
 * <p>It works on "darkness" (ink high, paper low, as {@link ImagePreprocessor} orients every
 * image), turned round when the marks stand out the other way against a median ({@link
 * #inkIsLighter}). The paper under every pixel is a grey-level opening ({@link #paper}); the ink is
 * measured as a share of the paper's own brightness, after a light Gaussian blur against grain, so
 * a stroke in a shadow is as strong as one in the light; Otsu's threshold on that share, never
 * below {@link #MIN_CONTRAST}, separates ink from paper; connected components then drop what is not
 * the digit ({@link #digitParts}): specks, what crosses the image from side to side (ruled and grid
 * lines, a margin, the page's edge), runs along a side (a shadow's edge) or is a line leaving the
 * picture, and marks far from the digit. What is kept keeps its grey levels, with a pixel of
 * anti-aliased edge around it. BoofCV does the median, the blur, Otsu's threshold, the components
 * and the dilation.
 *
 * <p>Clean images (a canvas drawing, a scan on evenly lit paper) never come here: {@link #isClean}
 * sends them the way they always went, so they read exactly as before.
 */
final class PageCleaner {
  static {
    // Executors run one task per core already; BoofCV's own threads would only compete with them.
    BoofConcurrency.USE_CONCURRENT = false;
  }

  /** Photos are cleaned at most this large (longer side): enough for a digit, and bounded time. */
  static final int WORKING_SIDE = 480;

  /**
   * The paper's brightness is estimated on the page shrunk to about this many pixels (longer side).
   */
  static final int BACKGROUND_SIDE = 120;

  /**
   * Ink is darker than its paper by at least this share of the paper's brightness (a pencil is
   * about 0.4).
   */
  static final float MIN_CONTRAST = 0.3f;

  /**
   * A mark kept beside the digit (the bar of a 5, the dot of a broken 4) has at least this share of
   * its area.
   */
  static final float MIN_PART = 0.04f;

  /**
   * The digit's largest stroke has at least this many pixels at the working resolution; less is a
   * speck.
   */
  static final int MIN_DIGIT_AREA = 25;

  /**
   * ... and at least this share of the page's pixels (80 on a 360x280 page): grain and specks are
   * smaller.
   */
  static final float MIN_DIGIT_SHARE = 0.0008f;

  /**
   * Levels (0-255) within which a pixel counts as plain background when deciding whether an image
   * is clean.
   */
  static final float FLAT = 10f;

  private PageCleaner() {}

  /** A grey image, row-major. */
  record Plane(float[] values, int width, int height) {}

  /**
   * Whether the old recipe suits this image: apart from the ink (more than {@code minInk} above the
   * background {@code back}) and its anti-aliased edge, every pixel is within {@link #FLAT} of the
   * background. Shading, grain, printed lines and JPEG noise on a photo make many pixels neither
   * background nor ink.
   */
  static boolean isClean(float[] darkness, int w, int h, float back, float minInk) {
    // Ink along the image's sides is the page's edge, a shadow or a line running out of the
    // picture; a drawing
    // touches the sides at a stroke or two at most.
    int sideInk = 0;
    for (float v : ImagePreprocessor.border(darkness, w, h)) if (v - back > minInk) sideInk++;
    if (sideInk > 0.05 * (2 * w + 2 * h)) return false;
    float max = 0;
    for (float v : darkness) max = Math.max(max, v - back);
    // Faint marks (bleed-through, a pencil line, shading) are neither background nor the digit's
    // ink.
    float faint = Math.max(minInk, 0.25f * max);
    int ink = 0;
    int murky = 0;
    for (float v : darkness) {
      float d = v - back;
      if (d > faint) ink++;
      else if (Math.abs(d) > FLAT) murky++;
    }
    // An anti-aliased stroke has about one edge pixel per two or three inside it; paper that is not
    // flat adds
    // pixels everywhere.
    return murky <= 0.5 * ink + 0.001 * darkness.length;
  }

  /**
   * The ink of the handwriting on a page, 0-255 with the paper at 0, at the working resolution;
   * throws when the page holds no digit.
   */
  static Plane clean(float[] darkness, int width, int height) {
    Plane page = workingSize(new Plane(darkness, width, height));
    int w = page.width();
    int h = page.height();
    float[] d = page.values();

    // Sensor grain is strongest where the light is weakest; a light blur takes it down without
    // thinning a stroke.
    GrayF32 raw = new GrayF32(w, h);
    System.arraycopy(d, 0, raw.data, 0, d.length);
    d = GBlurImageOps.gaussian(raw, new GrayF32(w, h), 1.0, -1, new GrayF32(w, h)).data;
    if (inkIsLighter(d, w, h)) {
      // The border's brightness misled the orientation (grey paper in dim light, say): the marks
      // that stand out
      // from the paper are lighter than it in this orientation, so it is turned round.
      for (int i = 0; i < d.length; i++) d[i] = 255 - d[i];
    }
    float[] paper = paper(d, w, h);
    float[] contrast = new float[d.length];
    int[] histogram = new int[256];
    for (int i = 0; i < d.length; i++) {
      float back = paper[i];
      // ink as a share of the paper's brightness (255 - darkness), so that shadow and light cancel
      // out
      float share = (d[i] - back) / Math.max(255f - back, 48f);
      contrast[i] = Math.max(0f, Math.min(1f, share));
      histogram[Math.round(contrast[i] * 255)]++;
    }
    float threshold =
        Math.max(
            MIN_CONTRAST, (float) GThresholdImageOps.computeOtsu(histogram, 256, d.length) / 255f);

    GrayU8 binary = new GrayU8(w, h);
    for (int i = 0; i < d.length; i++) binary.data[i] = (byte) (contrast[i] > threshold ? 1 : 0);
    GrayS32 labels = new GrayS32(w, h);
    int count = BinaryImageOps.contour(binary, ConnectRule.EIGHT, labels).size();
    boolean[] keep = digitParts(labels, count);

    GrayU8 kept = BinaryImageOps.labelToBinary(labels, new GrayU8(w, h), keep);
    GrayU8 around = BinaryImageOps.dilate8(kept, 1, new GrayU8(w, h));
    float[] ink = new float[d.length];
    for (int i = 0; i < d.length; i++) ink[i] = around.data[i] != 0 ? 255f * contrast[i] : 0f;
    return new Plane(ink, w, h);
  }

  /**
   * The paper's darkness under every pixel, as if the ink were not there: a grey-level opening (the
   * darkest thing narrower than the window is erased, everything wider kept as it is), which
   * follows uneven light, a shadow and the page's edge, sharp or soft, without leaving a halo.
   * Light changes slowly across a page, so this is worked out on the page shrunk to about {@link
   * #BACKGROUND_SIDE} pixels, with a window of a quarter of its longer side (a radius of an eighth:
   * wider than any pen's stroke on a page), and enlarged back.
   */
  static float[] paper(float[] d, int w, int h) {
    int factor = shrinkFactor(w, h, BACKGROUND_SIDE);
    Plane shrunk = shrink(d, w, h, factor);
    int sw = shrunk.width();
    int sh = shrunk.height();
    float[] small = factor == 1 ? d.clone() : shrunk.values();
    int radius = windowRadius(shrunk);
    float[] opened = Morphology.max(Morphology.min(small, sw, sh, radius), sw, sh, radius);
    // The opening keeps the brightest of the grain, so the paper sits a few levels above the
    // estimate; the typical
    // pixel is paper, and its excess is that bias.
    float[] excess = new float[small.length];
    for (int i = 0; i < small.length; i++) excess[i] = small[i] - opened[i];
    java.util.Arrays.sort(excess);
    float bias = Math.max(0, excess[excess.length / 2]);
    for (int i = 0; i < opened.length; i++) opened[i] += bias;
    float[] paper = opened;
    if (factor > 1) {
      // Enlarged back, a sharp edge (the page's, a hard shadow's) is a ramp a few pixels wide, on
      // which the dark
      // side would stand out as a thin line; widening the estimate by those pixels keeps the edge's
      // dark side dark.
      paper = Morphology.max(ImagePreprocessor.resize(opened, sw, sh, w, h), w, h, factor);
    }
    return paper;
  }

  /**
   * Whether the marks that stand out from the paper are lighter than it in {@code d}: handwriting
   * departs from the paper around it in one direction, measured against a median (which, unlike the
   * opening, favours neither) over a window wider than a stroke, on the page shrunk to half the
   * size {@link #paper} works at (a median is slow, and the direction shows at that size already).
   */
  static boolean inkIsLighter(float[] d, int w, int h) {
    Plane shrunk = shrink(d, w, h, shrinkFactor(w, h, BACKGROUND_SIDE / 2));
    int sw = shrunk.width();
    int sh = shrunk.height();
    float[] small = shrunk.values();
    int radius = windowRadius(shrunk);
    GrayU8 page = new GrayU8(sw, sh);
    for (int i = 0; i < small.length; i++)
      page.data[i] = (byte) Math.max(0, Math.min(255, Math.round(small[i])));
    GrayU8 median = BlurImageOps.median(page, new GrayU8(sw, sh), radius, radius, null);
    double above = 0;
    double below = 0;
    for (int i = 0; i < small.length; i++) {
      float diff = small[i] - (median.data[i] & 0xFF);
      if (diff > 2 * FLAT) above += diff;
      else if (diff < -2 * FLAT) below -= diff;
    }
    return below > above;
  }

  /** Which labels (1..count; index 0 is the background) belong to the digit. */
  static boolean[] digitParts(GrayS32 labels, int count) {
    int w = labels.width;
    int h = labels.height;
    int[] area = new int[count + 1];
    int[] left = new int[count + 1];
    int[] right = new int[count + 1];
    int[] top = new int[count + 1];
    int[] bottom = new int[count + 1];
    java.util.Arrays.fill(left, Integer.MAX_VALUE);
    java.util.Arrays.fill(top, Integer.MAX_VALUE);
    java.util.Arrays.fill(right, -1);
    java.util.Arrays.fill(bottom, -1);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int l = labels.data[y * w + x];
        if (l <= 0) continue;
        area[l]++;
        left[l] = Math.min(left[l], x);
        right[l] = Math.max(right[l], x);
        top[l] = Math.min(top[l], y);
        bottom[l] = Math.max(bottom[l], y);
      }
    }
    int[] contact = new int[count + 1];
    for (int x = 0; x < w; x++) {
      contact[Math.max(0, labels.data[x])]++;
      if (h > 1) contact[Math.max(0, labels.data[(h - 1) * w + x])]++;
    }
    for (int y = 1; y < h - 1; y++) {
      contact[Math.max(0, labels.data[y * w])]++;
      if (w > 1) contact[Math.max(0, labels.data[y * w + w - 1])]++;
    }
    boolean[] candidate = new boolean[count + 1];
    int main = 0;
    for (int l = 1; l <= count; l++) {
      if (area[l] == 0) continue;
      // Lines, margins and the page's edge cross the photo from one side to the other; a shadow's
      // or a lamp's edge
      // runs along a side; a line that leaves the picture is long and thin. A digit's stroke at
      // most touches a side.
      boolean across = (left[l] == 0 && right[l] == w - 1) || (top[l] == 0 && bottom[l] == h - 1);
      boolean alongSide = contact[l] > 0.1 * area[l];
      int length = Math.max(right[l] - left[l], bottom[l] - top[l]) + 1;
      boolean lineOut = contact[l] > 0 && length * length > 25.0 * area[l];
      candidate[l] = !across && !alongSide && !lineOut;
      if (candidate[l] && area[l] > area[main]) main = l;
    }
    int minArea = Math.max(MIN_DIGIT_AREA, Math.round(MIN_DIGIT_SHARE * w * h));
    if (main == 0 || area[main] < minArea) {
      throw new NoDigitException(
          "no digit found (no ink stands out from the paper"
              + (main == 0
                  ? ""
                  : "; the largest mark has " + area[main] + " pixels, a digit at least " + minArea)
              + ")");
    }
    boolean[] keep = new boolean[count + 1];
    int reach = Math.max(right[main] - left[main], bottom[main] - top[main]) / 2 + 1;
    for (int l = 1; l <= count; l++) {
      if (!candidate[l] || area[l] < MIN_PART * area[main]) continue;
      int gapX = Math.max(0, Math.max(left[l] - right[main], left[main] - right[l]));
      int gapY = Math.max(0, Math.max(top[l] - bottom[main], top[main] - bottom[l]));
      keep[l] = gapX <= reach && gapY <= reach;
    }
    return keep;
  }

  /**
   * The whole factor that shrinks a page of {@code w x h} to about {@code side} pixels (longer
   * side); 1 for none.
   */
  private static int shrinkFactor(int w, int h, int side) {
    return Math.max(1, Math.round(Math.max(w, h) / (float) side));
  }

  /** The page shrunk by a whole {@code factor} (area averaging); the page itself for 1. */
  private static Plane shrink(float[] d, int w, int h, int factor) {
    if (factor == 1) return new Plane(d, w, h);
    int sw = Math.max(1, w / factor);
    int sh = Math.max(1, h / factor);
    return new Plane(ImagePreprocessor.resize(d, w, h, sw, sh), sw, sh);
  }

  /** The radius of a window wider than a stroke: an eighth of the shrunk page's longer side. */
  private static int windowRadius(Plane shrunk) {
    return Math.max(2, Math.round(Math.max(shrunk.width(), shrunk.height()) / 8f));
  }

  /** The page shrunk (area averaging) so that its longer side is at most {@link #WORKING_SIDE}. */
  private static Plane workingSize(Plane page) {
    int w = page.width();
    int h = page.height();
    if (Math.max(w, h) <= WORKING_SIDE) return page;
    double scale = (double) WORKING_SIDE / Math.max(w, h);
    int nw = Math.max(1, (int) Math.round(w * scale));
    int nh = Math.max(1, (int) Math.round(h * scale));
    return new Plane(ImagePreprocessor.resize(page.values(), w, h, nw, nh), nw, nh);
  }
}
