package io.digitclassifier.training;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.data.Digits;
import io.digitclassifier.report.DigitGrid;
import io.digitclassifier.report.HtmlPage;
import io.digitclassifier.report.Plots;
import io.digitclassifier.report.ReportWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training report beside a model: {@code report.html} (self-contained, plots embedded), the
 * same plots as PNGs in {@code plots/}, and the pictures' data as CSV in {@code samples/} for
 * notebooks. Everything comes in as plain data, so the report can be drawn from a job, a test or a
 * finished {@code metrics.json} alike.
 *
 * @param model the network's name (lenet, seed)
 * @param data what it was trained on, as the user gave it
 * @param facts counts and times worth a line each, in order (training images, held-out images, ...)
 * @param configuration the resolved options, shown as they are
 * @param epochs one entry per epoch, in order
 * @param finalEvaluation on the held-out set after the last epoch
 * @param samples training images with their augmented copies (may be empty)
 * @param augmentation how the copies were made, one line for the reader
 * @param mistakes the most confident mistakes on the held-out set, most confident first (may be
 *     empty)
 */
public record TrainingReport(
    String model,
    String data,
    Map<String, String> facts,
    Map<String, Object> configuration,
    List<Epoch> epochs,
    EvaluationSummary finalEvaluation,
    List<AugmentedSample> samples,
    String augmentation,
    List<Mistake> mistakes) {
  public static final String REPORT = "report.html";
  public static final String PLOTS = "plots";
  public static final String SAMPLES = "samples";
  public static final String LOSS_PNG = "loss.png";
  public static final String ACCURACY_PNG = "accuracy.png";
  public static final String CONFUSION_PNG = "confusion-matrix.png";
  public static final String PRECISION_RECALL_PNG = "precision-recall.png";
  public static final String AUGMENTED_PNG = "augmented-samples.png";
  public static final String MISTAKES_PNG = "confident-mistakes.png";
  public static final String AUGMENTED_CSV = "augmented.csv";
  public static final String MISTAKES_CSV = "mistakes.csv";

  /** One epoch's numbers; NaN where unknown (epochs restored from a checkpoint without metrics). */
  public record Epoch(
      int epoch,
      double loss,
      double trainAccuracy,
      double testAccuracy,
      double seconds,
      double imagesPerSecond) {}

  /**
   * A training image and its augmented copies.
   *
   * @param copies copy 1, 2, ... as the augmenter makes them for this run's seed
   */
  public record AugmentedSample(long id, int label, byte[] original, List<byte[]> copies) {}

  /** Writes the report, its plots and sample files into {@code dir}; returns what it wrote. */
  public List<Path> write(Path dir) {
    Path plots = dir.resolve(PLOTS);
    String subtitle =
        String.format(
            Locale.ROOT,
            "%s trained on %s%s",
            model,
            data,
            finalEvaluation == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    ": held-out accuracy %.2f%% on %,d images",
                    100 * finalEvaluation.accuracy(),
                    finalEvaluation.examples()));
    ReportWriter report = new ReportWriter("Training report: " + model, subtitle, facts);
    HtmlPage page = report.page();

    page.heading("Loss and accuracy per epoch");
    int[] xs = epochs.stream().mapToInt(Epoch::epoch).toArray();
    Map<String, double[]> loss = new LinkedHashMap<>();
    loss.put("training loss", epochs.stream().mapToDouble(Epoch::loss).toArray());
    Map<String, double[]> accuracy = new LinkedHashMap<>();
    accuracy.put(
        "training (un-augmented sample)",
        epochs.stream().mapToDouble(Epoch::trainAccuracy).toArray());
    accuracy.put("held-out", epochs.stream().mapToDouble(Epoch::testAccuracy).toArray());
    var lossChart = Plots.perEpoch("Training loss", "mean minibatch loss", xs, loss);
    lossChart.getStyler().setYAxisMin(0.0);
    byte[] lossPng = Plots.png(lossChart);
    byte[] accuracyPng = Plots.png(Plots.perEpoch("Accuracy", "accuracy", xs, accuracy));
    report.save(plots.resolve(LOSS_PNG), lossPng);
    report.save(plots.resolve(ACCURACY_PNG), accuracyPng);
    page.figureRow()
        .figure(
            lossPng,
            "training loss per epoch",
            "Mean softmax cross-entropy of the training minibatches "
                + "(augmented, dropout on) in each epoch; the held-out set is measured by accuracy only.")
        .figure(
            accuracyPng,
            "accuracy per epoch",
            "Accuracy after each epoch on the held-out set and on up to "
                + "10,000 un-augmented training images.");
    List<List<String>> epochRows = new ArrayList<>();
    for (Epoch e : epochs) {
      epochRows.add(
          List.of(
              Integer.toString(e.epoch()),
              HtmlPage.num(e.loss(), 4),
              HtmlPage.percent(e.trainAccuracy()),
              HtmlPage.percent(e.testAccuracy()),
              HtmlPage.num(e.seconds(), 1),
              HtmlPage.num(e.imagesPerSecond(), 0)));
    }
    page.table(
        List.of("epoch", "loss", "train accuracy", "held-out accuracy", "seconds", "images/s"),
        epochRows);

    if (finalEvaluation != null) {
      page.heading("Held-out evaluation after the last epoch");
      Map<String, Double[]> pr = new LinkedHashMap<>();
      pr.put("precision", Plots.boxed(finalEvaluation.precision()));
      pr.put("recall", Plots.boxed(finalEvaluation.recall()));
      var prChart =
          Plots.bars("Precision and recall per class", "class", "", Plots.classes(), pr, false);
      prChart.getStyler().setYAxisMin(lowerBound(finalEvaluation));
      prChart.getStyler().setYAxisMax(1.0);
      byte[] prPng = report.save(plots.resolve(PRECISION_RECALL_PNG), Plots.png(prChart));
      report
          .confusionMatrix(
              plots.resolve(CONFUSION_PNG),
              "Confusion matrix (held-out)",
              finalEvaluation.confusionMatrix(),
              "the true digit")
          .figure(
              prPng,
              "precision and recall per class",
              "Precision: of the images called c, the share that "
                  + "are c. Recall: of the images of c, the share called c. The axis starts below the lowest bar.");
      List<List<String>> classRows = new ArrayList<>();
      for (int c = 0; c < Digits.CLASSES; c++) {
        long support = 0;
        for (long n : finalEvaluation.confusionMatrix()[c]) support += n;
        classRows.add(
            List.of(
                Integer.toString(c),
                HtmlPage.percent(finalEvaluation.precision()[c]),
                HtmlPage.percent(finalEvaluation.recall()[c]),
                HtmlPage.percent(finalEvaluation.f1()[c]),
                String.format(Locale.ROOT, "%,d", support)));
      }
      page.table(List.of("class", "precision", "recall", "F1", "images"), classRows);
    }

    page.heading("Augmentation: what the network was shown");
    if (samples.isEmpty()) {
      page.note("No samples drawn.");
    } else {
      byte[] grid = augmentedGrid();
      report.save(plots.resolve(AUGMENTED_PNG), grid);
      report.save(dir.resolve(SAMPLES).resolve(AUGMENTED_CSV), augmentedCsv());
      page.figureRow()
          .figure(
              grid,
              "training images and their augmented copies",
              "Each row: a training image " + "(left) and its augmented copies. " + augmentation);
    }

    page.heading("Most confident mistakes on the held-out set");
    if (mistakes.isEmpty()) {
      page.note("No mistakes were found on the held-out set.");
    } else {
      byte[] grid = mistakesGrid();
      report.save(plots.resolve(MISTAKES_PNG), grid);
      report.save(dir.resolve(SAMPLES).resolve(MISTAKES_CSV), mistakesCsv());
      page.figureRow()
          .figure(
              grid,
              "most confident mistakes",
              "The "
                  + mistakes.size()
                  + " held-out images the "
                  + "final network got wrong with the highest confidence, most confident first: true label, the network's "
                  + "answer and its probability. Some are mislabelled or ambiguous digits; the rest show what it has not "
                  + "learnt.");
    }

    page.heading("Configuration");
    Map<String, String> conf = new LinkedHashMap<>();
    configuration.forEach((k, v) -> conf.put(k, String.valueOf(v)));
    page.facts(conf);
    return report.finish(dir.resolve(REPORT), "training");
  }

  private byte[] augmentedGrid() {
    int copies = samples.stream().mapToInt(s -> s.copies().size()).max().orElse(0);
    List<String> headers = new ArrayList<>();
    headers.add("original");
    for (int c = 1; c <= copies; c++) headers.add("copy " + c);
    List<List<DigitGrid.Tile>> rows = new ArrayList<>();
    List<String> rowHeaders = new ArrayList<>();
    for (AugmentedSample s : samples) {
      List<DigitGrid.Tile> row = new ArrayList<>();
      row.add(new DigitGrid.Tile(s.original(), null, false));
      for (byte[] copy : s.copies()) row.add(new DigitGrid.Tile(copy, null, false));
      rows.add(row);
      rowHeaders.add("#" + s.id() + ": " + s.label());
    }
    return DigitGrid.png(rows, headers, rowHeaders, 3);
  }

  private byte[] mistakesGrid() {
    int perRow = 8;
    List<List<DigitGrid.Tile>> rows = new ArrayList<>();
    for (int i = 0; i < mistakes.size(); i += perRow) {
      List<DigitGrid.Tile> row = new ArrayList<>();
      for (Mistake m : mistakes.subList(i, Math.min(mistakes.size(), i + perRow))) {
        row.add(
            new DigitGrid.Tile(
                m.pixels(),
                String.format(
                    Locale.ROOT,
                    "true %d, said %d%n%.1f%% (#%d)",
                    m.trueLabel(),
                    m.predicted(),
                    100.0 * m.confidence(),
                    m.id()),
                true));
      }
      rows.add(row);
    }
    return DigitGrid.png(rows, List.of(), List.of(), 3);
  }

  /** {@code sample,id,label,copy,pixel0..pixel783}: copy 0 is the original. */
  byte[] augmentedCsv() {
    StringBuilder sb = new StringBuilder("sample,id,label,copy");
    pixelHeader(sb);
    for (int s = 0; s < samples.size(); s++) {
      AugmentedSample a = samples.get(s);
      List<byte[]> images = new ArrayList<>();
      images.add(a.original());
      images.addAll(a.copies());
      for (int c = 0; c < images.size(); c++) {
        sb.append(s).append(',').append(a.id()).append(',').append(a.label()).append(',').append(c);
        pixels(sb, images.get(c));
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code rank,id,trueLabel,predicted,confidence,p0..p9,pixel0..pixel783}, most confident first.
   */
  byte[] mistakesCsv() {
    StringBuilder sb = new StringBuilder("rank,id,trueLabel,predicted,confidence");
    for (int k = 0; k < Digits.CLASSES; k++) sb.append(",p").append(k);
    pixelHeader(sb);
    for (int i = 0; i < mistakes.size(); i++) {
      Mistake m = mistakes.get(i);
      sb.append(i + 1)
          .append(',')
          .append(m.id())
          .append(',')
          .append(m.trueLabel())
          .append(',')
          .append(m.predicted())
          .append(',')
          .append(m.confidence());
      for (float p : m.probabilities()) sb.append(',').append(p);
      pixels(sb, m.pixels());
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void pixelHeader(StringBuilder sb) {
    for (int i = 0; i < Digits.PIXELS; i++) sb.append(",pixel").append(i);
    sb.append('\n');
  }

  private static void pixels(StringBuilder sb, byte[] pixels) {
    for (byte b : pixels) sb.append(',').append(b & 0xFF);
    sb.append('\n');
  }

  /**
   * A y axis floor a little under the lowest precision or recall, at a tenth, so the differences
   * show.
   */
  private static double lowerBound(EvaluationSummary e) {
    double min = 1;
    for (int c = 0; c < Digits.CLASSES; c++)
      min = Math.min(min, Math.min(e.precision()[c], e.recall()[c]));
    return Math.max(0, Math.floor(min * 10 - 0.5) / 10);
  }
}
