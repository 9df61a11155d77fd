package io.digitclassifier;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Seeded random digits and the same digits written in every input format, for reader tests.
 *
 * <p>Names follow the real files' conventions ({@code *-images-idx3-ubyte[.gz]}, {@code *.csv},
 * {@code *.parquet}) so that {@code DataFormat.detect} and {@code IdxDigitReader.labelsFileFor}
 * work on them.
 */
public final class TestDigits {

  private TestDigits() {}

  /** The IDX files written for a set of digits. */
  public record IdxFiles(Path images, Path labels) {}

  /** {@code n} digits with ids 1..n, labels 0-9 and pixels 0-255, the same for the same seed. */
  public static List<DigitRecord> random(int n, long seed) {
    Random random = new Random(seed);
    List<DigitRecord> digits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] pixels = new byte[Digits.PIXELS];
      random.nextBytes(pixels);
      digits.add(new DigitRecord(i + 1, random.nextInt(Digits.CLASSES), pixels, null, null));
    }
    return digits;
  }

  /** The same digits with no labels (what an unlabelled input gives back). */
  public static List<DigitRecord> withoutLabels(List<DigitRecord> digits) {
    List<DigitRecord> out = new ArrayList<>(digits.size());
    for (DigitRecord d : digits)
      out.add(new DigitRecord(d.getId(), null, d.getPixels(), null, null));
    return out;
  }

  // ---- IDX

  /**
   * Writes {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]} into
   * {@code dir}.
   */
  public static IdxFiles writeIdx(Path dir, String prefix, List<DigitRecord> digits, boolean gzip) {
    String suffix = gzip ? ".gz" : "";
    Path images = write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), idxImages(digits));
    Path labels = write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), idxLabels(digits));
    return new IdxFiles(images, labels);
  }

  /** An idx3 images file: magic 0x803, count, 28, 28, then the pixels. */
  public static byte[] idxImages(List<DigitRecord> digits) {
    byte[] body = new byte[digits.size() * Digits.PIXELS];
    for (int i = 0; i < digits.size(); i++) {
      System.arraycopy(digits.get(i).getPixels(), 0, body, i * Digits.PIXELS, Digits.PIXELS);
    }
    return idx(new int[] {0x803, digits.size(), Digits.SIDE, Digits.SIDE}, body);
  }

  /** An idx1 labels file: magic 0x801, count, then one byte per label. */
  public static byte[] idxLabels(List<DigitRecord> digits) {
    byte[] body = new byte[digits.size()];
    for (int i = 0; i < digits.size(); i++) body[i] = (byte) (int) digits.get(i).getLabel();
    return idx(new int[] {0x801, digits.size()}, body);
  }

  /** Any IDX-shaped bytes: big-endian header words, then the body (for building broken files). */
  public static byte[] idx(int[] header, byte[] body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (int word : header) out.writeInt(word);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Writes {@code bytes} to {@code file}, gzipped when its name ends in {@code .gz}. */
  public static Path write(Path file, byte[] bytes) {
    try (OutputStream out = open(file)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static OutputStream open(Path file) throws IOException {
    OutputStream out = Files.newOutputStream(file);
    return file.toString().endsWith(".gz") ? new GZIPOutputStream(out) : out;
  }

  // ---- Kaggle CSV

  /** Kaggle's header: {@code label,pixel0,...,pixel783} or {@code pixel0,...,pixel783}. */
  public static String csvHeader(boolean labelled) {
    StringBuilder sb = new StringBuilder(labelled ? "label" : "");
    for (int i = 0; i < Digits.PIXELS; i++) {
      if (sb.length() > 0) sb.append(',');
      sb.append("pixel").append(i);
    }
    return sb.toString();
  }

  /** One digit as a Kaggle row. */
  public static String csvRow(DigitRecord digit, boolean labelled) {
    StringBuilder sb = new StringBuilder(labelled ? String.valueOf(digit.getLabel()) : "");
    for (int i = 0; i < Digits.PIXELS; i++) {
      if (i > 0 || labelled) sb.append(',');
      sb.append(digit.pixel(i));
    }
    return sb.toString();
  }

  /** Header and one line per digit, each ending in {@code \n}. */
  public static List<String> csvLines(List<DigitRecord> digits, boolean labelled) {
    List<String> lines = new ArrayList<>(digits.size() + 1);
    lines.add(csvHeader(labelled));
    for (DigitRecord d : digits) lines.add(csvRow(d, labelled));
    return lines;
  }

  /** Writes Kaggle CSV to {@code file} (gzipped when it ends in {@code .gz}). */
  public static Path writeCsv(Path file, List<DigitRecord> digits, boolean labelled) {
    return writeLines(file, csvLines(digits, labelled));
  }

  /** Writes lines, each ending in {@code \n} (gzipped when the name ends in {@code .gz}). */
  public static Path writeLines(Path file, List<String> lines) {
    return writeText(file, String.join("\n", lines) + "\n");
  }

  /** Writes text as UTF-8 (gzipped when the name ends in {@code .gz}). */
  public static Path writeText(Path file, String text) {
    return write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Pixels as the {@code List<Integer>} an array&lt;int&gt; column takes. */
  public static List<Integer> pixelList(byte[] pixels) {
    List<Integer> list = new ArrayList<>(pixels.length);
    for (byte b : pixels) list.add(b & 0xFF);
    return list;
  }

  // ---- Images

  /**
   * An MNIST-like 28x28 digit (0, 1 or 7): antialiased strokes 2.5 pixels wide, light on black,
   * fitting a 20x20 box and shifted so that its centre of mass is at the centre, as MNIST's are.
   */
  public static byte[] drawnDigit(int digit) {
    byte[] first = drawDigit(digit, 4, 4);
    double[] centre = centreOfMass(first);
    return drawDigit(digit, 4 + Math.round(13.5 - centre[0]), 4 + Math.round(13.5 - centre[1]));
  }

  private static byte[] drawDigit(int digit, double dx, double dy) {
    float stroke = 2.5f;
    float inset = stroke / 2;
    Shape shape;
    switch (digit) {
      case 0:
        shape = new Ellipse2D.Double(5.5, inset, 9, 20 - stroke);
        break;
      case 1:
        shape = line(7, 4, 11, inset, 11, 20 - inset);
        break;
      case 7:
        shape = line(2.5, inset, 17.5, inset, 8, 20 - inset);
        break;
      default:
        throw new IllegalArgumentException("no drawing for " + digit);
    }
    BufferedImage image = new BufferedImage(Digits.SIDE, Digits.SIDE, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.setStroke(new BasicStroke(stroke, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.translate(dx, dy);
    g.draw(shape);
    g.dispose();
    return ((DataBufferByte) image.getRaster().getDataBuffer()).getData().clone();
  }

  private static Shape line(double... xy) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(xy[0], xy[1]);
    for (int i = 2; i < xy.length; i += 2) path.lineTo(xy[i], xy[i + 1]);
    return path;
  }

  /** The intensity-weighted mean column and row of a 28x28 digit. */
  public static double[] centreOfMass(byte[] pixels) {
    double sum = 0;
    double x = 0;
    double y = 0;
    for (int i = 0; i < pixels.length; i++) {
      int v = pixels[i] & 0xFF;
      sum += v;
      x += (i % Digits.SIDE) * v;
      y += (i / Digits.SIDE) * v;
    }
    return new double[] {x / sum, y / sum};
  }

  /** A 28x28 digit enlarged bilinearly to {@code width x height} intensities (0-255, row-major). */
  public static int[] enlarge(byte[] pixels, int width, int height) {
    int[] out = new int[width * height];
    for (int y = 0; y < height; y++) {
      double sy = clampCoordinate((y + 0.5) * Digits.SIDE / height - 0.5);
      int y0 = (int) Math.floor(sy);
      int y1 = Math.min(Digits.SIDE - 1, y0 + 1);
      double fy = sy - y0;
      for (int x = 0; x < width; x++) {
        double sx = clampCoordinate((x + 0.5) * Digits.SIDE / width - 0.5);
        int x0 = (int) Math.floor(sx);
        int x1 = Math.min(Digits.SIDE - 1, x0 + 1);
        double fx = sx - x0;
        double top = (1 - fx) * at(pixels, x0, y0) + fx * at(pixels, x1, y0);
        double bottom = (1 - fx) * at(pixels, x0, y1) + fx * at(pixels, x1, y1);
        out[y * width + x] = (int) Math.round((1 - fy) * top + fy * bottom);
      }
    }
    return out;
  }

  private static double clampCoordinate(double v) {
    return Math.max(0, Math.min(Digits.SIDE - 1, v));
  }

  private static int at(byte[] pixels, int x, int y) {
    return pixels[y * Digits.SIDE + x] & 0xFF;
  }

  /**
   * Intensities as an opaque RGB image: dark ink on white when {@code darkOnLight}, else light ink
   * on black.
   */
  public static BufferedImage rgbImage(
      int[] intensities, int width, int height, boolean darkOnLight) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < intensities.length; i++) {
      int v = darkOnLight ? 255 - intensities[i] : intensities[i];
      image.setRGB(i % width, i / width, (v << 16) | (v << 8) | v);
    }
    return image;
  }

  /**
   * Intensities as strokes of one colour on a transparent background: the intensity is the opacity.
   */
  public static BufferedImage transparentImage(
      int[] intensities, int width, int height, Color ink) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    int rgb = ink.getRGB() & 0xFFFFFF;
    for (int i = 0; i < intensities.length; i++) {
      image.setRGB(i % width, i / width, (intensities[i] << 24) | rgb);
    }
    return image;
  }

  /**
   * The digit enlarged to {@code size x size}, dark on white or light on black, as an RGB image.
   */
  public static BufferedImage digitImage(byte[] pixels, int size, boolean darkOnLight) {
    return rgbImage(enlarge(pixels, size, size), size, size, darkOnLight);
  }

  /** The image encoded by ImageIO ({@code png}, {@code jpg}, {@code bmp}, {@code gif}). */
  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, bytes)) {
        throw new IllegalArgumentException(
            "ImageIO cannot write " + format + " from image type " + image.getType());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
