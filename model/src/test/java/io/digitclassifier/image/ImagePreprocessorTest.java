package io.digitclassifier.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.digitclassifier.TestDigits;
import io.digitclassifier.data.Digits;
import io.digitclassifier.image.ImagePreprocessor.Recipe;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MNIST's recipe on real-looking images: the digit that went in comes back, and every bad image
 * says why.
 */
class ImagePreprocessorTest {
  /**
   * How close a prepared image must be to the MNIST-like original it was drawn from. A correct
   * pipeline gives a mean difference of 5-7 and a correlation of 0.97-0.99 on these fixtures; each
   * broken step gives 33 or more and 0.43 or less, and {@link #eachBrokenStepWouldBeCaught} asks
   * for at least twice the difference or 0.3 less correlation.
   */
  static final double MAX_MEAN_DIFFERENCE = 15;

  static final double MIN_CORRELATION = 0.9;

  // ---- the digit comes back

  @ParameterizedTest(name = "digit {0}")
  @ValueSource(ints = {0, 7})
  void aDarkOnWhiteEnlargedDigitComesBackAsItWas(int digit) {
    byte[] original = TestDigits.drawnDigit(digit);
    byte[] png = TestDigits.encode(TestDigits.digitImage(original, 200, true), "png");

    assertCloseTo(original, ImagePreprocessor.toMnist(png));
  }

  @ParameterizedTest(name = "digit {0}")
  @ValueSource(ints = {0, 7})
  void eachBrokenStepWouldBeCaught(int digit) {
    byte[] original = TestDigits.drawnDigit(digit);
    BufferedImage image = TestDigits.digitImage(original, 200, true);

    // Not inverted: the white paper is taken for ink and the digit is a dark hole in a 20x20
    // square.
    assertFarFrom(original, ImagePreprocessor.toMnist(image, new Recipe(false, true, true)));
    if (digit == 0) {
      // A 0 is much narrower than tall; stretching it to 20x20 makes it a ring.
      assertFarFrom(original, ImagePreprocessor.toMnist(image, new Recipe(true, false, true)));
    } else {
      // A 7's ink is mostly top right; centring its box instead of its mass moves it by a stroke's
      // width.
      assertFarFrom(original, ImagePreprocessor.toMnist(image, new Recipe(true, true, false)));
    }
  }

  @Test
  void anMnistDigitSavedAsGrayscalePngIsUnchanged() {
    byte[] original = TestDigits.drawnDigit(7);
    BufferedImage gray = new BufferedImage(Digits.SIDE, Digits.SIDE, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setDataElements(0, 0, Digits.SIDE, Digits.SIDE, original);

    byte[] prepared = ImagePreprocessor.toMnist(TestDigits.encode(gray, "png"));

    // Only the faint fringe below the crop threshold may be lost; a gamma slip would brighten every
    // grey.
    assertThat(meanDifference(original, prepared)).isLessThan(2);
  }

  @Test
  void aLightOnDarkJpegWorks() {
    byte[] original = TestDigits.drawnDigit(7);
    byte[] jpeg = TestDigits.encode(TestDigits.digitImage(original, 200, false), "jpg");

    assertCloseTo(original, ImagePreprocessor.toMnist(jpeg));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"bmp", "gif"})
  void bmpAndGifWork(String format) {
    byte[] original = TestDigits.drawnDigit(0);
    byte[] encoded = TestDigits.encode(TestDigits.digitImage(original, 120, true), format);

    assertCloseTo(original, ImagePreprocessor.toMnist(encoded));
  }

  @ParameterizedTest(name = "{0} strokes")
  @ValueSource(strings = {"black", "white", "red"})
  void strokesOnATransparentCanvasAreInkWhateverTheirColour(String colour) throws Exception {
    Color ink = (Color) Color.class.getField(colour).get(null);
    byte[] original = TestDigits.drawnDigit(7);
    BufferedImage canvas =
        TestDigits.transparentImage(TestDigits.enlarge(original, 280, 280), 280, 280, ink);

    byte[] prepared = ImagePreprocessor.toMnist(TestDigits.encode(canvas, "png"));

    assertCloseTo(original, prepared);
    assertThat(TestDigits.centreOfMass(prepared))
        .containsExactly(new double[] {13.5, 13.5}, within(1.0));
  }

  @Test
  void anOpaqueImageWithAnAlphaChannelIsReadByLuminance() {
    byte[] original = TestDigits.drawnDigit(0);
    BufferedImage rgb = TestDigits.digitImage(original, 150, true);
    BufferedImage argb = new BufferedImage(150, 150, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = argb.createGraphics();
    g.drawImage(rgb, 0, 0, null);
    g.dispose();

    assertCloseTo(original, ImagePreprocessor.toMnist(TestDigits.encode(argb, "png")));
  }

  @Test
  void aSmallDigitInACornerIsCentredByItsMass() {
    byte[] original = TestDigits.drawnDigit(7);
    BufferedImage page = filled(300, 200, Color.WHITE);
    Graphics2D g = page.createGraphics();
    g.drawImage(TestDigits.digitImage(original, 40, true), 3, 5, null);
    g.dispose();

    byte[] prepared = ImagePreprocessor.toMnist(TestDigits.encode(page, "png"));

    assertThat(TestDigits.centreOfMass(prepared))
        .containsExactly(new double[] {13.5, 13.5}, within(1.0));
    assertCloseTo(original, prepared);
  }

  @Test
  void aWideImageKeepsItsAspectRatio() {
    // A 300x60 bar (5:1) on a 400x100 page: 20 wide and 4 tall, as MNIST fits the longer side into
    // 20.
    BufferedImage page = filled(400, 100, Color.WHITE);
    Graphics2D g = page.createGraphics();
    g.setColor(Color.BLACK);
    g.fillRect(50, 20, 300, 60);
    g.dispose();

    int[] box = inkBox(ImagePreprocessor.toMnist(page));

    assertThat(box[2]).as("width").isEqualTo(20);
    assertThat(box[3]).as("height").isEqualTo(4);
  }

  @Test
  void thinStrokesOnALargeImageSurvive() {
    // A 3-pixel ring 900 pixels tall: shrunk 45 times, it would vanish between samples without area
    // averaging.
    BufferedImage page = filled(1000, 1000, Color.WHITE);
    Graphics2D g = page.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(3));
    g.drawOval(300, 50, 400, 900);
    g.dispose();

    byte[] prepared = ImagePreprocessor.toMnist(page);

    int[] box = inkBox(prepared);
    assertThat(box[3]).as("height").isEqualTo(20);
    assertThat(box[2]).as("width").isBetween(8, 10);
    // Left and right sides of the ring on the middle row are strong, the hole between them is
    // empty.
    int row = 14 * Digits.SIDE;
    assertThat(prepared[row + box[0]] & 0xFF).isGreaterThan(100);
    assertThat(prepared[row + box[0] + box[2] - 1] & 0xFF).isGreaterThan(100);
    assertThat(prepared[row + 14] & 0xFF).isZero();
  }

  @Test
  void theSameImageGivesTheSameDigitQuickly() {
    BufferedImage photo = TestDigits.digitImage(TestDigits.drawnDigit(7), 1000, true);
    byte[] first = ImagePreprocessor.toMnist(photo);
    long start = System.nanoTime();
    int runs = 10;
    for (int i = 0; i < runs; i++) {
      assertThat(ImagePreprocessor.toMnist(photo)).isEqualTo(first);
    }
    double millis = (System.nanoTime() - start) / 1e6 / runs;
    // A megapixel takes ~10 ms on a laptop; the bound only catches an accidental quadratic step.
    assertThat(millis).as("ms per 1000x1000 image").isLessThan(200);
  }

  // ---- bad images

  @Test
  void notAnImage() {
    assertReason("hello, world\n".getBytes(StandardCharsets.UTF_8), "not an image");
  }

  @Test
  void zeroBytes() {
    assertReason(new byte[0], "empty file");
    assertReason((byte[]) null, "empty file");
  }

  @Test
  void aTruncatedPng() {
    byte[] png =
        TestDigits.encode(TestDigits.digitImage(TestDigits.drawnDigit(7), 200, true), "png");

    assertThatThrownBy(() -> ImagePreprocessor.toMnist(Arrays.copyOf(png, png.length / 2)))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("truncated or corrupt PNG (");
  }

  @Test
  void aTruncatedJpeg() {
    byte[] jpeg =
        TestDigits.encode(TestDigits.digitImage(TestDigits.drawnDigit(7), 200, true), "jpg");

    assertThatThrownBy(() -> ImagePreprocessor.toMnist(Arrays.copyOf(jpeg, jpeg.length / 2)))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("truncated or corrupt JPEG (");
  }

  @Test
  void anUnsupportedFormat() {
    // WBMP: ImageIO reads it, the decoder does not take it (TIFF and WebP it does:
    // ImageDecoderTest)
    java.awt.image.BufferedImage binary =
        new java.awt.image.BufferedImage(50, 50, java.awt.image.BufferedImage.TYPE_BYTE_BINARY);
    byte[] wbmp = TestDigits.encode(binary, "wbmp");

    assertThatThrownBy(() -> ImagePreprocessor.toMnist(wbmp))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage("unsupported image format WBMP");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"white", "black", "gray", "transparent"})
  void aBlankImageHasNoInk(String background) {
    BufferedImage blank =
        background.equals("transparent")
            ? new BufferedImage(100, 80, BufferedImage.TYPE_INT_ARGB)
            : filled(
                100,
                80,
                background.equals("white")
                    ? Color.WHITE
                    : background.equals("black") ? Color.BLACK : Color.GRAY);

    assertReason(TestDigits.encode(blank, "png"), "no ink found (blank image)");
  }

  @Test
  void aSlightlyNoisyWhitePageHasNoDigit() {
    // JPEG ripples and paper texture are a few levels deep; a digit stands out by far more. The
    // page is not clean
    // (the oval is neither paper nor ink), so it is read as a photo, which finds nothing either.
    BufferedImage page = filled(100, 100, Color.WHITE);
    Graphics2D g = page.createGraphics();
    g.setColor(new Color(235, 235, 235));
    g.fillOval(20, 20, 30, 30);
    g.dispose();

    assertReason(
        TestDigits.encode(page, "jpg"), "no digit found (no ink stands out from the paper)");
  }

  @Test
  void aTooLargeImage() {
    BufferedImage wide =
        new BufferedImage(ImagePreprocessor.MAX_SIDE + 1, 8, BufferedImage.TYPE_BYTE_GRAY);
    String reason = "image is 4097x8 pixels, larger than the 4096x4096 limit";

    assertReason(TestDigits.encode(wide, "png"), reason);
    assertThatThrownBy(() -> ImagePreprocessor.toMnist(wide))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage(reason);
  }

  private static void assertReason(byte[] encoded, String reason) {
    assertThatThrownBy(() -> ImagePreprocessor.toMnist(encoded))
        .isInstanceOf(ImageDecodeException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }

  // ---- helpers

  private static BufferedImage filled(int width, int height, Color colour) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(colour);
    g.fillRect(0, 0, width, height);
    g.dispose();
    return image;
  }

  private static void assertCloseTo(byte[] original, byte[] prepared) {
    assertThat(meanDifference(original, prepared))
        .as("mean absolute difference")
        .isLessThan(MAX_MEAN_DIFFERENCE);
    assertThat(correlation(original, prepared)).as("correlation").isGreaterThan(MIN_CORRELATION);
  }

  private static void assertFarFrom(byte[] original, byte[] prepared) {
    double difference = meanDifference(original, prepared);
    double correlation = correlation(original, prepared);
    assertThat(difference >= 2 * MAX_MEAN_DIFFERENCE || correlation <= MIN_CORRELATION - 0.3)
        .as("mean difference %.1f, correlation %.3f", difference, correlation)
        .isTrue();
  }

  /** {@code left, top, width, height} of the non-zero pixels of a 28x28 digit. */
  private static int[] inkBox(byte[] pixels) {
    int left = Digits.SIDE;
    int top = Digits.SIDE;
    int right = -1;
    int bottom = -1;
    for (int i = 0; i < pixels.length; i++) {
      if (pixels[i] != 0) {
        left = Math.min(left, i % Digits.SIDE);
        right = Math.max(right, i % Digits.SIDE);
        top = Math.min(top, i / Digits.SIDE);
        bottom = Math.max(bottom, i / Digits.SIDE);
      }
    }
    return new int[] {left, top, right - left + 1, bottom - top + 1};
  }

  static double meanDifference(byte[] a, byte[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) sum += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
    return sum / a.length;
  }

  static double correlation(byte[] a, byte[] b) {
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += a[i] & 0xFF;
      mb += b[i] & 0xFF;
    }
    ma /= a.length;
    mb /= b.length;
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < a.length; i++) {
      double da = (a[i] & 0xFF) - ma;
      double db = (b[i] & 0xFF) - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }
    return sab / Math.sqrt(saa * sbb);
  }
}
