package io.digitclassifier.report;

import io.digitclassifier.data.Digits;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A picture of what the network was given: each input image as it was (shrunk to fit) beside the
 * 28x28 digit the preprocessing made of it (enlarged, ink dark as on paper), with a caption, so
 * that a person sees why a photo was misread or rejected.
 */
public final class InputSamples {
  static final int BOX = 112;
  private static final int SEEN_SCALE = BOX / Digits.SIDE;
  private static final int PAD = 10;
  private static final int CAPTION = 32;
  private static final int COLUMNS = 3;
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  static {
    Headless.ensure();
  }

  private InputSamples() {}

  /**
   * One input.
   *
   * @param original the input image as decoded (any size), or null when it could not be decoded
   * @param seen the 784 pixels the network was given, or null when the input was rejected
   * @param caption up to two lines ("\n" between them)
   * @param alert draws the caption in red (a mistake or a rejection)
   */
  public record Sample(BufferedImage original, byte[] seen, String caption, boolean alert) {}

  /** A PNG of the samples, {@value #COLUMNS} to a row. */
  public static byte[] png(List<Sample> samples) {
    int cellW = 2 * BOX + 3 * PAD;
    int cellH = BOX + CAPTION + PAD;
    int rows = (samples.size() + COLUMNS - 1) / COLUMNS;
    int columns = Math.min(COLUMNS, Math.max(1, samples.size()));
    BufferedImage sheet =
        new BufferedImage(
            columns * cellW, Math.max(1, rows) * cellH + PAD, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
    g.setFont(FONT);
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      int x = (i % COLUMNS) * cellW + PAD;
      int y = (i / COLUMNS) * cellH + PAD;
      g.setColor(new Color(0xEEEEEE));
      g.fillRect(x, y, BOX, BOX);
      g.fillRect(x + BOX + PAD, y, BOX, BOX);
      if (s.original() != null) {
        // shrunk to fit the box, aspect kept, smoothly (a photo, not pixels to count)
        BufferedImage o = s.original();
        double scale = Math.min((double) BOX / o.getWidth(), (double) BOX / o.getHeight());
        int w = Math.max(1, (int) Math.round(o.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(o.getHeight() * scale));
        g.setRenderingHint(
            RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(o, x + (BOX - w) / 2, y + (BOX - h) / 2, w, h, null);
      }
      if (s.seen() != null) {
        g.setRenderingHint(
            RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(
            DigitGrid.paper(s.seen()),
            x + BOX + PAD,
            y,
            Digits.SIDE * SEEN_SCALE,
            Digits.SIDE * SEEN_SCALE,
            null);
      }
      g.setColor(s.alert() ? Plots.RED : Color.DARK_GRAY);
      String[] lines = s.caption() == null ? new String[0] : s.caption().split("\n");
      for (int l = 0; l < Math.min(2, lines.length); l++) {
        g.drawString(fit(lines[l], g.getFontMetrics(), 2 * BOX + PAD), x, y + BOX + 14 + 14 * l);
      }
    }
    g.dispose();
    return DigitGrid.png(sheet);
  }

  /** The text, cut short with an ellipsis where it would be wider than {@code width} pixels. */
  static String fit(String text, java.awt.FontMetrics metrics, int width) {
    if (metrics.stringWidth(text) <= width) return text;
    int n = text.length();
    while (n > 0 && metrics.stringWidth(text.substring(0, n) + "…") > width) n--;
    return text.substring(0, n) + "…";
  }
}
