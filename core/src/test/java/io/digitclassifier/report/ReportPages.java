package io.digitclassifier.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * What report tests share: a confusion matrix with two kinds of mistakes, and the images a page
 * embeds.
 */
public final class ReportPages {
  private static final Pattern DATA_URL =
      Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");

  private ReportPages() {}

  public static long[][] confusion() {
    long[][] cm = new long[10][10];
    for (int i = 0; i < 10; i++) cm[i][i] = 900 + 10 * i;
    cm[4][9] = 17;
    cm[7][1] = 5;
    return cm;
  }

  /** Every PNG embedded in a page as a data URL, decoded. */
  public static List<BufferedImage> embeddedImages(String html) throws IOException {
    List<BufferedImage> images = new ArrayList<>();
    Matcher m = DATA_URL.matcher(html);
    while (m.find()) {
      BufferedImage img =
          ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
      assertThat(img).isNotNull();
      images.add(img);
    }
    return images;
  }
}
