package io.digitclassifier.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.event.IIOReadUpdateListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one image decoder (the server, scoring's image folders and photos, training's image inputs):
 * PNG, JPEG (CMYK and YCCK too), BMP, GIF (the first frame), TIFF and WebP, decoded under a {@link
 * Budget} decided before any pixel is decoded.
 *
 * <ul>
 *   <li>Memory: the header's width, height, bands and bits per sample give the bytes the decoded
 *       raster takes; over {@link Budget#maxBytes()} (or a side over {@link Budget#maxSide()}) the
 *       image is refused unread. BMP's own header is checked first: a compression that embeds a
 *       JPEG or PNG, or an image-size field larger than the file, is refused (the JDK's BMP reader
 *       allocates what that field declares before reading).
 *   <li>Time: a JPEG with more than {@link Budget#maxPasses()} scans is refused from its markers
 *       (the JDK decodes the whole image again for every scan of a progressive JPEG), and a read is
 *       aborted at the first row or scan past {@link Budget#maxMillis()} (ImageIO readers report
 *       rows and scans to listeners on the reading thread, the one thread the JDK's JPEG reader may
 *       be aborted from).
 *   <li>Errors: nothing thrown while decoding leaves this class but an {@link ImageDecodeException}
 *       with a short reason; an {@link OutOfMemoryError} or {@link StackOverflowError} inside a
 *       reader becomes one too.
 * </ul>
 *
 * <p>Readers are TwelveMonkeys ImageIO's where it has one (JPEG, TIFF, WebP), registered with
 * ImageIO on first use from this class's own class loader (a Spark executor's application loader
 * included), and the JDK's for PNG, BMP and GIF.
 */
public final class ImageDecoder {
  /** Formats read (ImageIO's format names, lower case). */
  static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif", "tiff", "webp");

  static {
    // TwelveMonkeys' readers through ImageIO's registry, found by this class's loader rather than
    // the system one
    Thread current = Thread.currentThread();
    ClassLoader before = current.getContextClassLoader();
    current.setContextClassLoader(ImageDecoder.class.getClassLoader());
    try {
      ImageIO.scanForPlugins();
    } finally {
      current.setContextClassLoader(before);
    }
    ImageIO.setUseCache(false);
  }

  private ImageDecoder() {}

  /**
   * What a decode may take.
   *
   * @param maxSide the largest width or height
   * @param maxBytes the largest decoded raster (width x height x bytes per pixel)
   * @param maxMillis the longest a decode may run
   * @param maxPasses the most progressive scans (passes) an image may have
   */
  public record Budget(int maxSide, long maxBytes, long maxMillis, int maxPasses) {
    /**
     * 4096 pixels a side; 64 MiB of raster (a 12-megapixel phone photo in 8-bit RGB is 36 MiB;
     * 4096x4096 in 8-bit RGBA is exactly 64 MiB, in 16-bit RGBA twice that); 2 s (far more than a
     * photo's decode needs); 64 scans (encoders write about 10 for a progressive JPEG).
     */
    public static final Budget DEFAULT = new Budget(4096, 64L << 20, 2_000, 64);
  }

  /** {@link #decode(byte[], Budget)} with {@link Budget#DEFAULT}. */
  public static BufferedImage decode(byte[] encoded) {
    return decode(encoded, Budget.DEFAULT);
  }

  /** Decodes the first image in {@code encoded} within {@code budget}. */
  public static BufferedImage decode(byte[] encoded, Budget budget) {
    if (encoded == null || encoded.length == 0) throw new ImageDecodeException("empty file");
    try {
      checkBmp(encoded);
      checkJpegScans(encoded, budget);
      try (ImageInputStream in =
          new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
        return read(in, budget);
      }
    } catch (ImageDecodeException e) {
      throw e;
    } catch (IOException e) {
      // Only close() of an in-memory stream is left here, and it does not fail.
      throw new ImageDecodeException("not an image (" + describe(e) + ")", e);
    } catch (OutOfMemoryError e) {
      throw new ImageDecodeException("the decoder ran out of memory", e);
    } catch (StackOverflowError e) {
      throw new ImageDecodeException("the decoder overflowed its stack", e);
    } catch (RuntimeException | LinkageError e) {
      throw new ImageDecodeException("not an image (" + describe(e) + ")", e);
    }
  }

  private static BufferedImage read(ImageInputStream in, Budget budget) {
    ImageReader reader = readerFor(in);
    String format = reader.getOriginatingProvider().getFormatNames()[0].toUpperCase(Locale.ROOT);
    List<String> warnings = new ArrayList<>();
    AtomicReference<String> aborted = new AtomicReference<>();
    try {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      checkSize(width, height, budget);
      checkBytes(format, width, height, reader, budget);
      Guard guard = new Guard(reader, budget, aborted);
      reader.addIIOReadUpdateListener(guard);
      reader.addIIOReadProgressListener(guard);
      BufferedImage image = reader.read(0);
      if (aborted.get() != null)
        throw new ImageDecodeException(format + " refused: " + aborted.get());
      for (String warning : warnings) {
        // The JPEG reader only warns about a cut-off file and fills the rest with grey: a digit
        // from that is
        // garbage. A missing end marker alone (its other warning) is harmless, so the data warning
        // decides.
        if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new ImageDecodeException("truncated or corrupt " + format + " (" + warning + ")");
        }
      }
      return image;
    } catch (IOException | RuntimeException e) {
      if (aborted.get() != null)
        throw new ImageDecodeException(format + " refused: " + aborted.get(), e);
      if (e instanceof ImageDecodeException) throw (ImageDecodeException) e;
      throw new ImageDecodeException(
          "truncated or corrupt " + format + " (" + describe(e) + ")", e);
    } finally {
      reader.dispose();
    }
  }

  /**
   * Aborts a read at the scan over the limit or past the deadline. ImageIO's readers call their
   * listeners on the reading thread between scans and rows, and the JDK's JPEG reader may only be
   * aborted from that thread (from another it throws), so the checks run here rather than on a
   * timer.
   */
  private static final class Guard implements IIOReadUpdateListener, IIOReadProgressListener {
    private final ImageReader reader;
    private final Budget budget;
    private final long deadline;
    private final AtomicReference<String> aborted;
    private int passes;

    Guard(ImageReader reader, Budget budget, AtomicReference<String> aborted) {
      this.reader = reader;
      this.budget = budget;
      this.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget.maxMillis());
      this.aborted = aborted;
    }

    private void check(ImageReader source) {
      if (aborted.get() == null && System.nanoTime() > deadline) {
        aborted.compareAndSet(null, "decoding took longer than " + budget.maxMillis() + " ms");
      }
      if (aborted.get() != null) {
        // a wrapping reader (TwelveMonkeys' JPEG) forwards its delegate's events: stop both
        reader.abort();
        if (source != null && source != reader) source.abort();
      }
    }

    @Override
    public void passStarted(
        ImageReader source,
        BufferedImage theImage,
        int pass,
        int minPass,
        int maxPass,
        int minX,
        int minY,
        int periodX,
        int periodY,
        int[] bands) {
      if (++passes > budget.maxPasses())
        aborted.compareAndSet(null, "more than " + budget.maxPasses() + " progressive scans");
      check(source);
    }

    @Override
    public void imageUpdate(
        ImageReader source,
        BufferedImage theImage,
        int minX,
        int minY,
        int width,
        int height,
        int periodX,
        int periodY,
        int[] bands) {
      check(source);
    }

    @Override
    public void passComplete(ImageReader source, BufferedImage theImage) {
      check(source);
    }

    @Override
    public void imageProgress(ImageReader source, float percentageDone) {
      check(source);
    }

    @Override
    public void thumbnailPassStarted(
        ImageReader source,
        BufferedImage theThumbnail,
        int pass,
        int minPass,
        int maxPass,
        int minX,
        int minY,
        int periodX,
        int periodY,
        int[] bands) {}

    @Override
    public void thumbnailUpdate(
        ImageReader source,
        BufferedImage theThumbnail,
        int minX,
        int minY,
        int width,
        int height,
        int periodX,
        int periodY,
        int[] bands) {}

    @Override
    public void thumbnailPassComplete(ImageReader source, BufferedImage theThumbnail) {}

    @Override
    public void sequenceStarted(ImageReader source, int minIndex) {}

    @Override
    public void sequenceComplete(ImageReader source) {}

    @Override
    public void imageStarted(ImageReader source, int imageIndex) {}

    @Override
    public void imageComplete(ImageReader source) {}

    @Override
    public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

    @Override
    public void thumbnailProgress(ImageReader source, float percentageDone) {}

    @Override
    public void thumbnailComplete(ImageReader source) {}

    @Override
    public void readAborted(ImageReader source) {}
  }

  /**
   * A JPEG's scans, counted from its markers before decoding (entropy-coded data never holds {@code
   * FF DA}: an {@code FF} byte there is always followed by {@code 00}); over the limit the file is
   * refused unread.
   */
  static void checkJpegScans(byte[] b, Budget budget) {
    if (b.length < 3 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) return;
    int scans = 0;
    for (int i = 2; i + 1 < b.length; i++) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xDA && ++scans > budget.maxPasses()) {
        throw new ImageDecodeException(
            "JPEG refused: more than " + budget.maxPasses() + " progressive scans");
      }
    }
  }

  /**
   * BMP's header, read before any reader: the JDK's BMP reader allocates the image-size field's
   * bytes for compressed (RLE) and embedded (JPEG, PNG) images before it reads them.
   */
  static void checkBmp(byte[] b) {
    if (b.length < 2 || b[0] != 'B' || b[1] != 'M') return;
    if (b.length < 38)
      throw new ImageDecodeException("truncated or corrupt BMP (a " + b.length + "-byte header)");
    int headerSize = le32(b, 14);
    if (headerSize < 40) return; // OS/2 1.x core header: no compression field
    int compression = le32(b, 30);
    if (compression == 4 || compression == 5) {
      throw new ImageDecodeException(
          "BMP refused: compression "
              + compression
              + " embeds a "
              + (compression == 4 ? "JPEG" : "PNG")
              + " image, which is not read (send the "
              + (compression == 4 ? "JPEG" : "PNG")
              + " itself)");
    }
    long imageSize = le32(b, 34) & 0xFFFF_FFFFL;
    long offset = le32(b, 10) & 0xFFFF_FFFFL;
    long available = Math.max(0, b.length - offset);
    if (imageSize > available) {
      throw new ImageDecodeException(
          "truncated or corrupt BMP (its header declares "
              + imageSize
              + " bytes of pixels, the file holds "
              + available
              + ")");
    }
  }

  private static int le32(byte[] b, int at) {
    return (b[at] & 0xFF)
        | (b[at + 1] & 0xFF) << 8
        | (b[at + 2] & 0xFF) << 16
        | (b[at + 3] & 0xFF) << 24;
  }

  private static ImageReader readerFor(ImageInputStream in) {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    if (!readers.hasNext()) throw new ImageDecodeException("not an image");
    String other = null;
    while (readers.hasNext()) {
      ImageReader reader = readers.next();
      String name = reader.getOriginatingProvider().getFormatNames()[0].toLowerCase(Locale.ROOT);
      if (name.equals("jpg")) name = "jpeg";
      if (name.equals("tif")) name = "tiff";
      if (FORMATS.contains(name)) return reader;
      if (other == null) other = name;
    }
    throw new ImageDecodeException("unsupported image format " + other.toUpperCase(Locale.ROOT));
  }

  private static void checkSize(int width, int height, Budget budget) {
    if (width <= 0 || height <= 0) {
      throw new ImageDecodeException("empty image (" + width + "x" + height + " pixels)");
    }
    if (width > budget.maxSide() || height > budget.maxSide()) {
      throw new ImageDecodeException(
          "image is "
              + width
              + "x"
              + height
              + " pixels, larger than the "
              + budget.maxSide()
              + "x"
              + budget.maxSide()
              + " limit");
    }
  }

  /**
   * The decoded raster's size from the reader's first image type (bands x bits), before any pixel
   * is read.
   */
  private static void checkBytes(
      String format, int width, int height, ImageReader reader, Budget budget) throws IOException {
    int bitsPerPixel = 32; // when the reader cannot say: as RGBA
    Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
    if (types != null && types.hasNext()) {
      ImageTypeSpecifier type = types.next();
      int bits = 0;
      for (int band = 0; band < type.getNumBands(); band++) bits += type.getBitsPerBand(band);
      bitsPerPixel = Math.max(1, bits);
    }
    long bytes = ((long) width * height * bitsPerPixel + 7) / 8;
    if (bytes > budget.maxBytes()) {
      throw new ImageDecodeException(
          String.format(
              Locale.ROOT,
              "%s refused: %dx%d pixels at %d bits each decode to %d MiB, over the %d MiB limit",
              format,
              width,
              height,
              bitsPerPixel,
              bytes >> 20,
              budget.maxBytes() >> 20));
    }
  }

  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String outer = text(e);
    return root == e || outer.equals(text(root)) ? outer : outer + ": " + text(root);
  }

  private static String text(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }
}
