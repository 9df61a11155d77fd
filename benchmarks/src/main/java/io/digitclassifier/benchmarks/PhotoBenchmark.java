package io.digitclassifier.benchmarks;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.image.DigitPhotos;
import io.digitclassifier.image.DigitPhotos.Condition;
import io.digitclassifier.image.ImageDecodeException;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.image.NoDigitException;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The robustness corpus and its benchmark: MNIST test digits, a seeded sample, rendered as photos
 * and scans under each {@link Condition} ({@link DigitPhotos}), encoded (PNG or JPEG) and read back
 * through {@link ImagePreprocessor} (what the scoring job and the canvas server run), then scored
 * by one model. Prints the accuracy per condition beside the same model's accuracy on the same
 * digits as MNIST gives them, and how many blank pages (photographed blank paper, ruled paper
 * alone) are rejected as holding no digit; "before" is the accuracy with the preprocessing as it
 * was before photos were read (every image taken as clean). {@code --write} keeps the corpus as an
 * image folder ({@code CONDITION/LABEL/ID.png}) for {@code bin/score}.
 */
@Command(name = "benchmark-photos", mixinStandardHelpOptions = true, showDefaultValues = true)
public final class PhotoBenchmark implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "runs/quickstart",
      description = "Model directory or model.zip.")
  String model;

  @Option(
      names = "--digits",
      defaultValue = "1000",
      description = "MNIST test digits per condition (a seeded sample).")
  int digits;

  @Option(names = "--blank", defaultValue = "200", description = "Pages without a digit, per kind.")
  int blank;

  @Option(names = "--seed", defaultValue = "7")
  long seed;

  @Option(
      names = "--condition",
      split = ",",
      description = "Conditions to run (default all): ${COMPLETION-CANDIDATES}")
  List<String> conditions;

  @Option(
      names = "--write",
      description = "Also write the corpus here, as an image folder per condition.")
  Path write;

  @Option(names = "--data", defaultValue = "data/mnist")
  String data;

  @Option(
      names = "--wrong",
      description = "Write each misread page here beside what the network saw (28x28).")
  Path wrong;

  public static void main(String[] args) {
    System.exit(new CommandLine(new PhotoBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    io.digitclassifier.natives.NativeBuild.select();
    List<DigitRecord> sample = sample();
    Predictor net = Predictor.load(model, Storage.conf());
    EnumSet<Condition> chosen = EnumSet.noneOf(Condition.class);
    if (conditions == null) chosen = EnumSet.allOf(Condition.class);
    else for (String c : conditions) chosen.add(DigitPhotos.condition(c));

    System.out.printf(
        Locale.ROOT,
        "Robustness corpus: %d MNIST test digits (seed %d) per condition, model %s%n%n",
        sample.size(),
        seed,
        model);
    System.out.printf(
        Locale.ROOT,
        "%-16s %9s %9s %9s %9s %8s  %s%n",
        "condition",
        "accuracy",
        "vs mnist",
        "no digit",
        "before",
        "ms/img",
        "what the page shows");
    List<byte[]> asGiven = new ArrayList<>();
    for (DigitRecord r : sample) asGiven.add(r.getPixels());
    double mnist = accuracy(predict(net, asGiven), sample);
    System.out.printf(
        Locale.ROOT,
        "%-16s %8.2f%% %9s %9s %9s %8s  %s%n",
        "mnist",
        100 * mnist,
        "",
        "",
        "",
        "",
        "the 28x28 digits as MNIST gives them");
    for (Condition condition : chosen) {
      List<byte[]> prepared = new ArrayList<>();
      List<DigitPhotos.Photo> photos = new ArrayList<>();
      List<byte[]> before = new ArrayList<>();
      int rejected = 0;
      long nanos = 0;
      for (int i = 0; i < sample.size(); i++) {
        DigitRecord r = sample.get(i);
        byte[] other = sample.get((i + 1) % sample.size()).getPixels();
        DigitPhotos.Photo photo =
            DigitPhotos.render(r.getPixels(), other, condition, seed * 1_000_003L + r.getId());
        if (write != null) save(condition, String.valueOf(r.getLabel()), r.getId(), photo);
        photos.add(photo);
        long start = System.nanoTime();
        byte[] pixels;
        try {
          pixels = ImagePreprocessor.toMnist(photo.encoded());
        } catch (NoDigitException e) {
          pixels = null;
          rejected++;
        }
        nanos += System.nanoTime() - start;
        prepared.add(pixels);
        try {
          before.add(ImagePreprocessor.toMnistCleanOnly(photo.encoded()));
        } catch (ImageDecodeException e) {
          before.add(null);
        }
      }
      List<Integer> predicted = predict(net, prepared);
      double acc = accuracy(predicted, sample);
      if (wrong != null) {
        for (int i = 0; i < sample.size(); i++) {
          if (predicted.get(i) != (int) sample.get(i).getLabel()) {
            saveWrong(condition, sample.get(i), photos.get(i), predicted.get(i), prepared.get(i));
          }
        }
      }
      double accBefore = accuracy(predict(net, before), sample);
      System.out.printf(
          Locale.ROOT,
          "%-16s %8.2f%% %+8.2f %9d %8.2f%% %8.1f  %s%n",
          condition.cliName(),
          100 * acc,
          100 * (acc - mnist),
          rejected,
          100 * accBefore,
          nanos / 1e6 / sample.size(),
          condition.description());
      System.out.printf(
          Locale.ROOT,
          "RESULT condition=%s digits=%d accuracy=%.4f mnistAccuracy=%.4f noDigit=%d "
              + "beforeAccuracy=%.4f msPerImage=%.2f%n",
          condition.cliName(),
          sample.size(),
          acc,
          mnist,
          rejected,
          accBefore,
          nanos / 1e6 / sample.size());
    }
    System.out.println();
    byte[] none = new byte[Digits.PIXELS];
    for (Condition kind :
        List.of(Condition.PHOTO, Condition.RULED_LINES, Condition.GRID, Condition.PAGE_EDGE)) {
      int rejected = 0;
      for (int i = 0; i < blank; i++) {
        DigitPhotos.Photo photo = DigitPhotos.render(none, null, kind, seed * 7_919L + i);
        if (write != null) save(kind, "blank", i + 1, photo);
        try {
          ImagePreprocessor.toMnist(photo.encoded());
        } catch (NoDigitException e) {
          rejected++;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "blank pages (%s): %d of %d rejected as holding no digit%n",
          kind.cliName(),
          rejected,
          blank);
      System.out.printf(
          Locale.ROOT, "RESULT blank=%s pages=%d noDigit=%d%n", kind.cliName(), blank, rejected);
    }
    if (write != null)
      System.out.println("\nCorpus written to " + write + " (CONDITION/LABEL/ID.png|jpg)");
    return 0;
  }

  /** A seeded sample of MNIST's test digits, the same for every condition. */
  private List<DigitRecord> sample() {
    String images =
        DigitInputs.mnistImages(data, false)
            .orElseThrow(
                () ->
                    new IllegalArgumentException("No MNIST in " + data + "; run bin/fetch-mnist"));
    SparkSession spark =
        io.digitclassifier.spark.SparkSessions.create("digitclassifier-benchmark-photos");
    List<DigitRecord> test;
    try {
      test =
          new ArrayList<>(DigitInputs.read(spark, images, null, BadRecordPolicy.FAIL, 2).collect());
    } finally {
      spark.stop();
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = test.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      DigitRecord t = test.get(i);
      test.set(i, test.get(j));
      test.set(j, t);
    }
    return test.subList(0, Math.min(digits, test.size()));
  }

  /** The share of {@code sample} whose {@code predicted} label is its own. */
  private static double accuracy(List<Integer> predicted, List<DigitRecord> sample) {
    int right = 0;
    for (int i = 0; i < sample.size(); i++)
      if (predicted.get(i) == (int) sample.get(i).getLabel()) right++;
    return (double) right / sample.size();
  }

  /** The model's label for each prepared digit; -1 for a rejected image (null). */
  private static List<Integer> predict(Predictor net, List<byte[]> prepared) {
    List<Integer> out = new ArrayList<>();
    int batch = 256;
    for (int i = 0; i < prepared.size(); i += batch) {
      List<byte[]> px = new ArrayList<>();
      for (int j = i; j < Math.min(prepared.size(), i + batch); j++) {
        px.add(prepared.get(j) == null ? new byte[Digits.PIXELS] : prepared.get(j));
      }
      Predictor.Predictions best = net.predict(px);
      for (int k = 0; k < px.size(); k++)
        out.add(prepared.get(i + k) == null ? -1 : best.get(k).label());
    }
    return out;
  }

  private void saveWrong(
      Condition condition, DigitRecord r, DigitPhotos.Photo photo, int predicted, byte[] seen)
      throws java.io.IOException {
    Path dir = wrong.resolve(condition.cliName());
    Files.createDirectories(dir);
    String name =
        String.format(
            Locale.ROOT,
            "%05d-true%d-read%s",
            r.getId(),
            r.getLabel(),
            predicted < 0 ? "-nothing" : String.valueOf(predicted));
    Files.write(dir.resolve(name + "." + photo.extension()), photo.encoded());
    java.awt.image.BufferedImage big =
        new java.awt.image.BufferedImage(
            Digits.SIDE * 8, Digits.SIDE * 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    if (seen != null) {
      for (int y = 0; y < big.getHeight(); y++) {
        for (int x = 0; x < big.getWidth(); x++)
          big.getRaster().setSample(x, y, 0, seen[(y / 8) * Digits.SIDE + x / 8] & 0xFF);
      }
    }
    javax.imageio.ImageIO.write(big, "png", dir.resolve(name + "-seen.png").toFile());
  }

  private void save(Condition condition, String label, long id, DigitPhotos.Photo photo)
      throws java.io.IOException {
    Path dir = write.resolve(condition.cliName()).resolve(label);
    Files.createDirectories(dir);
    Files.write(
        dir.resolve(String.format(Locale.ROOT, "%05d.%s", id, photo.extension())), photo.encoded());
  }
}
