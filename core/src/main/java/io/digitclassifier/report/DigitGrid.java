package io.digitclassifier.report;

import io.digitclassifier.data.Digits;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws 28x28 digits in a grid with java.awt (no chart library: these are pictures, not plots),
 * each enlarged with nearest-neighbour so every pixel stays a visible square, with ink dark on
 * white as on paper (the data has light ink on dark; only the display is inverted).
 */
public final class DigitGrid {
  private static final int PAD = 8;
  private static final int CAPTION_LINE = 15;
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  private static final Font HEADER_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 12);

  static {
    Headless.ensure();
  }

  private DigitGrid() {}

  /**
   * One cell: a digit and up to two caption lines under it ("\n" separates them).
   *
   * @param alert draws the caption in red (a mistake)
   */
  public record Tile(byte[] pixels, String caption, boolean alert) {
    public Tile {
      if (pixels == null || pixels.length != Digits.PIXELS) {
        throw new IllegalArgumentException(
            "Cannot draw a digit of "
                + (pixels == null ? 0 : pixels.length)
                + " pixels: expected "
                + Digits.PIXELS);
      }
    }
  }

  /**
   * A PNG of {@code rows} of tiles; {@code columnHeaders} (over the columns) and {@code rowHeaders}
   * (left of the rows) may be empty.
   *
   * @param scale screen pixels per digit pixel
   */
  public static byte[] png(
      List<List<Tile>> rows, List<String> columnHeaders, List<String> rowHeaders, int scale) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    columns = Math.max(columns, columnHeaders.size());
    int captionLines = 0;
    for (List<Tile> row : rows) {
      for (Tile t : row) {
        if (t.caption() != null && !t.caption().isEmpty())
          captionLines = Math.max(captionLines, t.caption().split("\n").length);
      }
    }
    int side = Digits.SIDE * scale;
    int cellW = side + PAD;
    int cellH = side + captionLines * CAPTION_LINE + PAD;
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    pg.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    FontMetrics headerMetrics = pg.getFontMetrics(HEADER_FONT);
    FontMetrics captionMetrics = pg.getFontMetrics(FONT);
    int left = PAD;
    for (String h : rowHeaders) left = Math.max(left, headerMetrics.stringWidth(h) + 2 * PAD);
    for (List<Tile> row : rows) {
      for (Tile t : row) {
        // captions wider than the digit widen every cell rather than overlap the neighbour
        if (t.caption() != null) {
          for (String line : t.caption().split("\n"))
            cellW = Math.max(cellW, captionMetrics.stringWidth(line) + 2 * PAD);
        }
      }
    }
    pg.dispose();
    int top = columnHeaders.isEmpty() ? PAD : PAD + CAPTION_LINE + 4;
    int width = left + columns * cellW + PAD;
    int height = top + rows.size() * cellH + PAD;

    BufferedImage image =
        new BufferedImage(Math.max(width, 1), Math.max(height, 1), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());

    g.setFont(HEADER_FONT);
    g.setColor(Color.DARK_GRAY);
    for (int c = 0; c < columnHeaders.size(); c++) {
      String h = columnHeaders.get(c);
      int x = left + c * cellW + (side - headerMetrics.stringWidth(h)) / 2;
      g.drawString(h, x, PAD + headerMetrics.getAscent());
    }
    for (int r = 0; r < rowHeaders.size() && r < rows.size(); r++) {
      int y = top + r * cellH + side / 2 + headerMetrics.getAscent() / 2;
      g.drawString(rowHeaders.get(r), PAD, y);
    }
    g.setFont(FONT);
    for (int r = 0; r < rows.size(); r++) {
      List<Tile> row = rows.get(r);
      for (int c = 0; c < row.size(); c++) {
        Tile t = row.get(c);
        int x = left + c * cellW;
        int y = top + r * cellH;
        g.drawImage(paper(t.pixels()), x, y, side, side, null);
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(x, y, side - 1, side - 1);
        if (t.caption() != null) {
          g.setColor(t.alert() ? Plots.RED : Color.DARK_GRAY);
          String[] lines = t.caption().split("\n");
          for (int i = 0; i < lines.length; i++) {
            g.drawString(lines[i], x, y + side + (i + 1) * CAPTION_LINE - 2);
          }
        }
      }
    }
    g.dispose();
    return png(image);
  }

  /** The digit as a 28x28 gray image with the ink dark. */
  static BufferedImage paper(byte[] pixels) {
    BufferedImage img = new BufferedImage(Digits.SIDE, Digits.SIDE, BufferedImage.TYPE_BYTE_GRAY);
    byte[] out = new byte[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) out[i] = (byte) (255 - (pixels[i] & 0xFF));
    img.getRaster().setDataElements(0, 0, Digits.SIDE, Digits.SIDE, out);
    return img;
  }

  static byte[] png(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG writer");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode PNG: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }
}
