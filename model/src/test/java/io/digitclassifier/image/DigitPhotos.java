package io.digitclassifier.image;

import io.digitclassifier.data.Digits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Renders an MNIST digit as a photo or scan of handwriting on paper, seeded, for the robustness
 * corpus ({@code bin/benchmark-photos}) and the tests: the digit's strokes drawn with a pen of some
 * width and colour onto a 360x280 page, under one {@link Condition} or all of them at once ({@link
 * Condition#PHOTO}).
 *
 * <p>The pen follows the digit's own shape: the 28x28 digit is enlarged (bilinear) and rotated, and
 * ink lies where the enlarged intensity passes the pen's level, with a soft edge a pixel or two
 * wide, as a real stroke has; a low level gives a thick pen, a high one a thin pen. Light is
 * multiplied in last, so shadows and uneven light darken paper and ink alike, as they do under a
 * lamp.
 */
public final class DigitPhotos {
  public static final int WIDTH = 360;
  public static final int HEIGHT = 280;

  /**
   * What a page looks like; every condition but {@link #PHOTO} changes one thing from a clean scan.
   */
  public enum Condition {
    CLEAN_SCAN("clean-scan", "black ink on white paper, evenly lit, PNG"),
    PAPER_AND_GRAIN("paper-grain", "off-white, grey or tinted paper with sensor grain"),
    UNEVEN_LIGHT("uneven-light", "light falling off across the page and in the corners"),
    SHADOW("shadow", "a soft shadow over part of the page and the digit"),
    RULED_LINES("ruled-lines", "faint ruled lines and a margin line, through the digit"),
    GRID("grid", "faint squared paper"),
    BLUE_INK("blue-ink", "a blue ballpoint"),
    THIN_PEN("thin-pen", "a fine pen"),
    THICK_PEN("thick-pen", "a marker"),
    SMALL("small", "a small digit anywhere on the page"),
    LARGE("large", "a digit filling most of the page"),
    TILTED("tilted", "the page turned by up to 8 degrees"),
    BLEED_THROUGH("bleed-through", "a faint mirrored digit showing through from the back"),
    LOW_QUALITY_JPEG("jpeg-q20", "JPEG at quality 15-25"),
    PAGE_EDGE("page-edge", "the crop takes in the page's edge and the dark desk beyond"),
    PHOTO("photo", "all of the above drawn at random together, as a phone photo of a form");

    private final String cliName;
    private final String description;

    Condition(String cliName, String description) {
      this.cliName = cliName;
      this.description = description;
    }

    public String cliName() {
      return cliName;
    }

    public String description() {
      return description;
    }
  }

  /** An encoded page ({@code png} or {@code jpg}). */
  public record Photo(byte[] encoded, String extension) {}

  /** Everything that varies between pages; {@link #clean()} is a clean scan. */
  static final class Page {
    double paperR = 250;
    double paperG = 250;
    double paperB = 248;
    double inkR = 25;
    double inkG = 25;
    double inkB = 30;

    /** How much of the paper the ink hides where it is solid. */
    double inkOpacity = 0.95;

    /**
     * The enlarged digit's intensity (0-1) at the middle of a stroke's edge: low is a thick pen.
     */
    double penLevel = 0.4;

    /** Digit height (MNIST's 20-pixel box) as a share of the page height. */
    double size = 0.45;

    double centreX = 0.5;
    double centreY = 0.5;
    double tiltDegrees;
    double grain;

    /** Light at the darkest corner, 1 for even light. */
    double lightFloor = 1;

    double lightAngle;
    double shadowDepth;
    double shadowOffset;
    double shadowAngle;
    double shadowSoftness = 20;
    double ruledContrast;
    double ruledSpacing = 32;
    double ruledOffset;
    boolean margin;
    double gridContrast;
    double bleedContrast;
    double bleedDx;
    double bleedDy;

    /** Share of the page width taken by the desk, on the left or right; 0 for none. */
    double edge;

    boolean edgeLeft;
    int jpegQuality; // 0: PNG

    static Page clean() {
      return new Page();
    }
  }

  private DigitPhotos() {}

  /**
   * The digit {@code pixels} (784 bytes, MNIST's light-on-dark) as a page under {@code condition};
   * {@code other} is a second digit for the bleed-through, and {@code seed} decides everything
   * random.
   */
  public static Photo render(byte[] pixels, byte[] other, Condition condition, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Page page = page(condition, random);
    return encode(draw(pixels, other, page, random), page.jpegQuality);
  }

  static Page page(Condition condition, SplittableRandom r) {
    Page p = Page.clean();
    switch (condition) {
      case CLEAN_SCAN -> {}
      case PAPER_AND_GRAIN -> {
        paper(p, r);
        p.grain = between(r, 3, 9);
      }
      case UNEVEN_LIGHT -> light(p, r);
      case SHADOW -> shadow(p, r);
      case RULED_LINES -> ruled(p, r);
      case GRID -> p.gridContrast = between(r, 0.12, 0.25);
      case BLUE_INK -> blueInk(p, r);
      case THIN_PEN -> p.penLevel = between(r, 0.6, 0.7);
      case THICK_PEN -> p.penLevel = between(r, 0.1, 0.2);
      case SMALL -> place(p, r, between(r, 0.15, 0.25));
      case LARGE -> place(p, r, between(r, 0.7, 0.85));
      case TILTED -> p.tiltDegrees = between(r, -8, 8);
      case BLEED_THROUGH -> bleed(p, r);
      case LOW_QUALITY_JPEG -> {
        p.jpegQuality = (int) between(r, 15, 25);
        p.grain = 2;
      }
      case PAGE_EDGE -> edge(p, r);
      case PHOTO -> {
        paper(p, r);
        p.grain = between(r, 2, 8);
        light(p, r);
        if (r.nextDouble() < 0.3) shadow(p, r);
        if (r.nextDouble() < 0.4) ruled(p, r);
        else if (r.nextDouble() < 0.2) p.gridContrast = between(r, 0.1, 0.22);
        if (r.nextBoolean()) blueInk(p, r);
        p.penLevel = between(r, 0.15, 0.65);
        place(p, r, between(r, 0.2, 0.8));
        p.tiltDegrees = between(r, -6, 6);
        if (r.nextDouble() < 0.2) bleed(p, r);
        if (r.nextDouble() < 0.15) edge(p, r);
        double q = r.nextDouble();
        p.jpegQuality =
            q < 0.15 ? (int) between(r, 20, 40) : q < 0.7 ? (int) between(r, 60, 92) : 0;
      }
      default -> throw new IllegalArgumentException(condition.toString());
    }
    return p;
  }

  private static void paper(Page p, SplittableRandom r) {
    double base = between(r, 185, 248);
    // off-white, grey, or a yellow, blue or pink tint
    int tint = r.nextInt(4);
    p.paperR = base;
    p.paperG = base;
    p.paperB = base;
    if (tint == 1) p.paperB = base - between(r, 10, 30);
    if (tint == 2) {
      p.paperR = base - between(r, 5, 20);
      p.paperG = base - between(r, 0, 8);
    }
    if (tint == 3) {
      p.paperG = base - between(r, 5, 15);
      p.paperB = base - between(r, 3, 12);
    }
  }

  private static void light(Page p, SplittableRandom r) {
    p.lightFloor = between(r, 0.5, 0.8);
    p.lightAngle = between(r, 0, 2 * Math.PI);
  }

  private static void shadow(Page p, SplittableRandom r) {
    p.shadowDepth = between(r, 0.35, 0.55);
    p.shadowAngle = between(r, 0, 2 * Math.PI);
    p.shadowOffset = between(r, -0.15, 0.25);
    p.shadowSoftness = between(r, 8, 40);
  }

  private static void ruled(Page p, SplittableRandom r) {
    p.ruledContrast = between(r, 0.15, 0.3);
    p.ruledSpacing = between(r, 24, 40);
    p.ruledOffset = between(r, 0, p.ruledSpacing);
    p.margin = r.nextBoolean();
  }

  private static void blueInk(Page p, SplittableRandom r) {
    p.inkR = between(r, 20, 50);
    p.inkG = between(r, 30, 70);
    p.inkB = between(r, 120, 170);
    p.inkOpacity = between(r, 0.8, 0.95);
  }

  private static void bleed(Page p, SplittableRandom r) {
    p.bleedContrast = between(r, 0.08, 0.18);
    p.bleedDx = between(r, -0.15, 0.15);
    p.bleedDy = between(r, -0.15, 0.15);
  }

  private static void edge(Page p, SplittableRandom r) {
    p.edge = between(r, 0.08, 0.2);
    p.edgeLeft = r.nextBoolean();
    // the digit stays on the paper
    double room = 1 - p.edge;
    double half = p.size * HEIGHT * 28 / 20 / 2 / WIDTH;
    double lo = (p.edgeLeft ? p.edge : 0) + half + 0.02;
    double hi = (p.edgeLeft ? 1 : room) - half - 0.02;
    if (hi > lo) p.centreX = between(r, lo, hi);
  }

  /** A digit of height {@code size} (share of the page height) somewhere it fits whole. */
  private static void place(Page p, SplittableRandom r, double size) {
    p.size = size;
    double halfW = size * HEIGHT * 0.6 / WIDTH;
    double halfH = size * 0.6;
    p.centreX = halfW >= 0.5 ? 0.5 : between(r, halfW, 1 - halfW);
    p.centreY = halfH >= 0.5 ? 0.5 : between(r, halfH, 1 - halfH);
  }

  private static double between(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  static BufferedImage draw(byte[] pixels, byte[] other, Page p, SplittableRandom random) {
    if (pixels.length != Digits.PIXELS) throw new IllegalArgumentException("expected 784 pixels");
    double scale = p.size * HEIGHT / 20.0; // page pixels per MNIST pixel
    double cx = p.centreX * WIDTH;
    double cy = p.centreY * HEIGHT;
    double cos = Math.cos(Math.toRadians(p.tiltDegrees));
    double sin = Math.sin(Math.toRadians(p.tiltDegrees));
    double diag = Math.hypot(WIDTH, HEIGHT) / 2;
    double lx = Math.cos(p.lightAngle);
    double ly = Math.sin(p.lightAngle);
    double sx = Math.cos(p.shadowAngle);
    double sy = Math.sin(p.shadowAngle);
    int edgeWidth = (int) Math.round(p.edge * WIDTH);
    BufferedImage out = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        double dx = x - cx;
        double dy = y - cy;
        // page coordinates -> the digit's (rotated by the tilt), in MNIST pixels from its centre
        double u = (dx * cos + dy * sin) / scale + 13.5;
        double v = (-dx * sin + dy * cos) / scale + 13.5;
        double ink = pen(sample(pixels, u, v), p.penLevel);
        double r = p.paperR;
        double g = p.paperG;
        double b = p.paperB;
        // lines printed on the paper, in the page's frame (turned with the page)
        double rowPos = (-dx * sin + dy * cos) + cy;
        double colPos = (dx * cos + dy * sin) + cx;
        double line = 0;
        if (p.ruledContrast > 0) {
          line =
              Math.max(
                  line, p.ruledContrast * lineProfile(rowPos - p.ruledOffset, p.ruledSpacing, 1.2));
          if (p.margin)
            line =
                Math.max(
                    line, 1.4 * p.ruledContrast * lineProfile(colPos - WIDTH * 0.12, 1e9, 1.2));
        }
        if (p.gridContrast > 0) {
          line =
              Math.max(
                  line,
                  p.gridContrast
                      * Math.max(lineProfile(rowPos, 20, 0.8), lineProfile(colPos, 20, 0.8)));
        }
        if (line > 0) {
          // light blue, as printed rules are
          r = r * (1 - line) + 120 * line;
          g = g * (1 - line) + 160 * line;
          b = b * (1 - line) + 215 * line;
        }
        if (p.bleedContrast > 0 && other != null) {
          // the back page's digit, mirrored, seen through the paper
          double bx = dx - p.bleedDx * WIDTH;
          double by = dy - p.bleedDy * HEIGHT;
          double bu = (bx * cos + by * sin) / scale + 13.5;
          double bv = (-bx * sin + by * cos) / scale + 13.5;
          double back = p.bleedContrast * pen(sample(other, 27 - bu, bv), 0.3);
          r *= 1 - back;
          g *= 1 - back;
          b *= 1 - back;
        }
        double a = ink * p.inkOpacity;
        r = r * (1 - a) + p.inkR * a;
        g = g * (1 - a) + p.inkG * a;
        b = b * (1 - a) + p.inkB * a;
        if (edgeWidth > 0 && (p.edgeLeft ? x < edgeWidth : x >= WIDTH - edgeWidth)) {
          // the desk: dark wood, whatever is on the page does not reach it
          r = 70;
          g = 52;
          b = 40;
        }
        double light = 1;
        if (p.lightFloor < 1) {
          // a gradient across the page towards the lamp, and darker corners
          double along = (dx * lx + dy * ly) / diag; // -1 .. 1
          double corner = Math.hypot(dx / (WIDTH / 2.0), dy / (HEIGHT / 2.0)) / Math.sqrt(2);
          light = 1 - (1 - p.lightFloor) * (0.65 * (along + 1) / 2 + 0.35 * corner * corner);
        }
        if (p.shadowDepth > 0) {
          double dist = (dx * sx + dy * sy) / diag - p.shadowOffset;
          double t = 1 / (1 + Math.exp(-dist * diag / p.shadowSoftness));
          light *= 1 - p.shadowDepth * t;
        }
        r *= light;
        g *= light;
        b *= light;
        if (p.grain > 0) {
          // sensor noise, mostly in brightness
          double n = p.grain * gaussian(random);
          r += n + 0.3 * p.grain * gaussian(random);
          g += n + 0.3 * p.grain * gaussian(random);
          b += n + 0.3 * p.grain * gaussian(random);
        }
        out.setRGB(x, y, (channel(r) << 16) | (channel(g) << 8) | channel(b));
      }
    }
    return out;
  }

  /**
   * Ink coverage (0-1) of a pen whose stroke edge lies where the enlarged digit's intensity is
   * {@code level}.
   */
  private static double pen(double intensity, double level) {
    double t = (intensity - level) / 0.12 + 0.5;
    if (t <= 0) return 0;
    if (t >= 1) return 1;
    return t * t * (3 - 2 * t);
  }

  /**
   * A printed line every {@code spacing} pixels, {@code width} wide with soft edges: 1 on the line,
   * 0 between.
   */
  private static double lineProfile(double pos, double spacing, double width) {
    double d = pos - spacing * Math.floor(pos / spacing + 0.5);
    return Math.exp(-(d * d) / (2 * width * width / 2.0));
  }

  /** The digit's intensity (0-1) at (u, v) in its own pixels, bilinear, 0 outside. */
  private static double sample(byte[] pixels, double u, double v) {
    if (u < -1 || v < -1 || u > Digits.SIDE || v > Digits.SIDE) return 0;
    int x0 = (int) Math.floor(u);
    int y0 = (int) Math.floor(v);
    double fx = u - x0;
    double fy = v - y0;
    return ((1 - fx) * (1 - fy) * at(pixels, x0, y0)
            + fx * (1 - fy) * at(pixels, x0 + 1, y0)
            + (1 - fx) * fy * at(pixels, x0, y0 + 1)
            + fx * fy * at(pixels, x0 + 1, y0 + 1))
        / 255.0;
  }

  private static int at(byte[] pixels, int x, int y) {
    if (x < 0 || y < 0 || x >= Digits.SIDE || y >= Digits.SIDE) return 0;
    return pixels[y * Digits.SIDE + x] & 0xFF;
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u1 = Math.max(1e-12, r.nextDouble());
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  private static int channel(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  static Photo encode(BufferedImage image, int jpegQuality) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      if (jpegQuality <= 0) {
        ImageIO.write(image, "png", bytes);
        return new Photo(bytes.toByteArray(), "png");
      }
      ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(jpegQuality / 100f);
        writer.write(null, new IIOImage(image, null, null), param);
      } finally {
        writer.dispose();
      }
      return new Photo(bytes.toByteArray(), "jpg");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The condition named {@code name} ({@link Condition#cliName()}), or an error listing them. */
  public static Condition condition(String name) {
    for (Condition c : Condition.values()) {
      if (c.cliName.equals(name.toLowerCase(Locale.ROOT))) return c;
    }
    throw new IllegalArgumentException(
        "unknown condition "
            + name
            + ", expected one of "
            + java.util.Arrays.stream(Condition.values())
                .map(Condition::cliName)
                .collect(java.util.stream.Collectors.joining(", ")));
  }
}
