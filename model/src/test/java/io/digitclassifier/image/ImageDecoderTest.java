package io.digitclassifier.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.TestDigits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The budgeted decoder against files built to exhaust it (memory, time, the JDK readers' own
 * allocations), each refused with a short reason and never with an Error; and the formats it reads
 * besides the JDK's.
 */
class ImageDecoderTest {
  /**
   * A refusal must come fast: far below the 2 s decode deadline for everything but the deadline
   * itself.
   */
  private static final Duration QUICK = Duration.ofMillis(500);

  private static void refusedQuickly(byte[] file, String reason) {
    long start = System.nanoTime();
    assertThatThrownBy(() -> ImageDecoder.decode(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageContaining(reason);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused within").isLessThan(QUICK);
  }

  @Test
  void aBmpThatEmbedsAnotherFormatIsRefusedBeforeTheJdkAllocatesItsDeclaredSize() {
    // 54 bytes declaring 2 GiB and 768 MiB of embedded PNG: the JDK's reader would allocate that
    // before reading
    refusedQuickly(HostileImages.bmp(5, 2L << 30), "BMP refused: compression 5 embeds a PNG image");
    refusedQuickly(
        HostileImages.bmp(5, 768L << 20), "BMP refused: compression 5 embeds a PNG image");
    refusedQuickly(
        HostileImages.bmp(4, 768L << 20), "BMP refused: compression 4 embeds a JPEG image");
    // RLE8 with an image size larger than the file: the reader allocates the declared size for RLE
    // too
    refusedQuickly(
        HostileImages.bmp(1, 768L << 20),
        "truncated or corrupt BMP (its header declares 805306368 bytes of pixels, the file holds 0)");
    // through the preprocessing, as the server and the jobs call it
    assertThatThrownBy(() -> ImagePreprocessor.toMnist(HostileImages.bmp(5, 2L << 30)))
        .isInstanceOf(ImageDecodeException.class);
  }

  @Test
  void a16BitRgbaPngOf4096SquaredIsRefusedFromItsHeader() {
    byte[] png = HostileImages.png16BitRgba(4096);
    assertThat(png.length).isLessThan(200_000);
    refusedQuickly(
        png,
        "PNG refused: 4096x4096 pixels at 64 bits each decode to 128 MiB, over the 64 MiB limit");
  }

  @Test
  void aProgressiveJpegWithThousandsOfScansIsStoppedAtTheScanLimit() {
    byte[] jpeg = HostileImages.progressiveJpegWithScans(4096, 3000);
    refusedQuickly(jpeg, "JPEG refused: more than 64 progressive scans");
    assertThat(jpeg.length).as("a small file").isLessThan(1_000_000);
    // the same image with the usual handful of scans decodes
    byte[] normal = HostileImages.progressiveJpegWithScans(256, 0);
    assertThat(ImageDecoder.decode(normal).getWidth()).isEqualTo(256);
  }

  @Test
  void aDecodeThatOutlivesItsBudgetIsAborted() {
    // a 2048x2048 progressive JPEG of 60 scans under a 1 ms budget: aborted at the first scan past
    // it
    byte[] jpeg = HostileImages.progressiveJpegWithScans(2048, 60);
    ImageDecoder.Budget tight = new ImageDecoder.Budget(4096, 64L << 20, 1, 64);
    assertThatThrownBy(() -> ImageDecoder.decode(jpeg, tight))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage("JPEG refused: decoding took longer than 1 ms");
  }

  @Test
  void aCmykJpegIsRead() {
    byte[] cmyk = HostileImages.cmykJpeg(120, 160);
    BufferedImage image = ImageDecoder.decode(cmyk);
    assertThat(image.getWidth()).isEqualTo(120);
    // the black bar reads dark, the paper light
    assertThat(image.getRGB(60, 80) & 0xFF).isLessThan(60);
    assertThat(image.getRGB(5, 5) & 0xFF).isGreaterThan(200);
    byte[] digit = ImagePreprocessor.toMnist(cmyk);
    int ink = 0;
    for (byte b : digit) if ((b & 0xFF) > 128) ink++;
    assertThat(ink).as("the bar is ink").isGreaterThan(10);
  }

  @Test
  void tiffAndWebpAreReadAndUnknownBytesAreNot() throws Exception {
    BufferedImage seven = TestDigits.digitImage(TestDigits.drawnDigit(7), 112, true);
    ByteArrayOutputStream tiff = new ByteArrayOutputStream();
    assertThat(ImageIO.write(seven, "tiff", tiff)).as("a TIFF writer (TwelveMonkeys)").isTrue();
    assertThat(ImagePreprocessor.toMnist(tiff.toByteArray()))
        .isEqualTo(ImagePreprocessor.toMnist(seven));
    assertThat(ImageIO.getImageReadersByFormatName("webp").hasNext())
        .as("a WebP reader (TwelveMonkeys)")
        .isTrue();
    refusedQuickly("hello, not an image".getBytes(), "not an image");
    refusedQuickly(new byte[0], "empty file");
  }
}
