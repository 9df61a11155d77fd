package io.digitclassifier.scoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;

import io.digitclassifier.image.ImageDecodeException;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.report.InputSamples;
import io.digitclassifier.storage.Storage;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Picks the scored images the report shows beside what the network saw, and prepares them on the
 * driver: the original read again from its path and the same {@link ImagePreprocessor} the
 * executors ran (it is deterministic, so this is the digit they scored). Misread ones come first
 * when the input had labels, then a sample spread over the input (ordered by a hash of the id, so
 * the same output always shows the same ones), then a few rejected ones.
 */
final class InputSampleReader {
  private InputSampleReader() {}

  static List<InputSamples.Sample> read(
      SparkSession spark, Dataset<Row> written, boolean labelled, List<Row> rejected, int count) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    int wanted = Math.max(0, count - rejected.size());
    List<Row> picked = new ArrayList<>();
    if (labelled) {
      picked.addAll(
          written
              .where(col("trueLabel").notEqual(col("label")))
              .orderBy(hash(col("id")))
              .limit(wanted / 2)
              .collectAsList());
    }
    Dataset<Row> rest = labelled ? written.where(col("trueLabel").equalTo(col("label"))) : written;
    picked.addAll(rest.orderBy(hash(col("id"))).limit(wanted - picked.size()).collectAsList());
    picked.sort(
        Comparator.comparing((Row r) -> labelled && !right(r))
            .reversed()
            .thenComparingLong(r -> ((Number) r.getAs("id")).longValue()));

    List<InputSamples.Sample> out = new ArrayList<>();
    for (Row r : picked) {
      String source = r.getAs("source");
      BufferedImage original = original(source, conf);
      byte[] seen = null;
      try {
        seen = original == null ? null : ImagePreprocessor.toMnist(original);
      } catch (ImageDecodeException e) {
        // changed since it was scored; shown as far as it goes
      }
      int label = ((Number) r.getAs("label")).intValue();
      String caption =
          String.format(
              Locale.ROOT,
              "%s\nread %d (%.2f)%s",
              name(source),
              label,
              ((Number) r.getAs("confidence")).doubleValue(),
              labelled && r.getAs("trueLabel") != null ? ", labelled " + r.getAs("trueLabel") : "");
      out.add(new InputSamples.Sample(original, seen, caption, labelled && !right(r)));
    }
    for (Row r : rejected) {
      String file = String.valueOf(r.<Object>getAs("file"));
      BufferedImage original = original(file, conf);
      String reason = String.valueOf(r.<Object>getAs("reason"));
      // "Cannot read FILE: no digit found (...), expected ...": the middle is the reason
      int at = reason.indexOf(file);
      String why =
          at < 0 ? reason : reason.substring(Math.min(reason.length(), at + file.length() + 2));
      int expected = why.lastIndexOf(", expected ");
      out.add(
          new InputSamples.Sample(
              original,
              null,
              name(file) + "\n" + (expected < 0 ? why : why.substring(0, expected)),
              true));
    }
    return out;
  }

  /**
   * The input image as decoded, or null when it is gone or not an image (a rejected one; the
   * caption says why).
   */
  private static BufferedImage original(String path, Configuration conf) {
    try {
      return ImagePreprocessor.decode(Storage.readAllBytes(path, conf));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean right(Row r) {
    Object truth = r.getAs("trueLabel");
    return truth == null || ((Number) truth).intValue() == ((Number) r.getAs("label")).intValue();
  }

  /** The file name with its parent folder ({@code 7/a.png}), short enough for a caption. */
  private static String name(String path) {
    int slash = path.lastIndexOf('/');
    int before = slash > 0 ? path.lastIndexOf('/', slash - 1) : -1;
    String name = path.substring(before + 1);
    return name.length() > 36 ? "…" + name.substring(name.length() - 35) : name;
  }
}
