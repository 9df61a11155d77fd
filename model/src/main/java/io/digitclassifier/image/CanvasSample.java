package io.digitclassifier.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A digit drawn as the page's canvas draws it (280x280, black, white round strokes 18 pixels wide),
 * encoded as PNG: the canvas server's warm-up input and the serving benchmark's request, so both
 * exercise the same path as a person's drawing.
 */
public final class CanvasSample {
  /** The page's canvas size and pen width (index.html uses the same numbers). */
  public static final int SIZE = 280;

  public static final float PEN = 18f;

  private CanvasSample() {}

  /** A "7": a bar across the top and a slanted stroke down, as one would draw it with a mouse. */
  public static byte[] seven() {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(75, 60);
    path.lineTo(205, 60);
    path.lineTo(120, 230);
    return png(path);
  }

  public static byte[] png(Path2D path) {
    BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.fillRect(0, 0, SIZE, SIZE);
    g.setColor(Color.WHITE);
    g.setStroke(new BasicStroke(PEN, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(path);
    g.dispose();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
