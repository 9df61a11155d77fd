package io.digitclassifier.scoring;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.data.Digits;
import io.digitclassifier.report.HtmlPage;
import io.digitclassifier.report.InputSamples;
import io.digitclassifier.report.Plots;
import io.digitclassifier.report.ReportWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scoring report in a scoring output: {@code _report.html} (self-contained) and its plots as
 * {@code _*.png}. The names start with {@code _} because Spark's and Hadoop's readers skip such
 * files, so {@code spark.read.parquet(OUTPUT)} still reads the scored rows only.
 *
 * @param facts input, model, counts and times, in order, one line each
 * @param predictedCounts images per predicted label
 * @param trueCounts images per true label, or null when the input had no labels
 * @param confidenceBins images per confidence bin ({@link #BINS} equal bins over [0, 1])
 * @param wrongBins the wrongly predicted ones per confidence bin, or null when the input had no
 *     labels
 * @param evaluation accuracy and confusion matrix when the input had labels, else null
 * @param rejected records rejected (quarantine mode)
 * @param rejectedByReason rejected counts by kind of reason (numbers and quoted values blanked),
 *     most first
 * @param firstRejected a few rejected records: id, file, position, reason
 * @param inputSamples for image folders, some inputs beside the 28x28 the network was given (empty
 *     otherwise)
 */
public record ScoringReport(
    Map<String, String> facts,
    long[] predictedCounts,
    long[] trueCounts,
    long[] confidenceBins,
    long[] wrongBins,
    EvaluationSummary evaluation,
    long rejected,
    Map<String, Long> rejectedByReason,
    List<List<String>> firstRejected,
    List<InputSamples.Sample> inputSamples) {
  public static final int BINS = 20;
  public static final String REPORT = "_report.html";
  public static final String LABELS_PNG = "_label-distribution.png";
  public static final String CONFIDENCE_PNG = "_confidence.png";
  public static final String CONFUSION_PNG = "_confusion-matrix.png";
  public static final String SAMPLES_PNG = "_input-samples.png";

  /**
   * What kind of reason a rejection has: the reason with its file path, numbers and quoted values
   * blanked, so that "line 7, column pixel3: value 'x'" and "line 9, column pixel5: value 'y'"
   * count as one kind.
   */
  public static String reasonKind(String reason, String file) {
    if (reason == null) return "(no reason)";
    String r = file == null || file.isEmpty() ? reason : reason.replace(file, "<file>");
    return r.replaceAll("'[^']*'", "'…'").replaceAll("\\d+", "N");
  }

  /** Writes {@code _report.html} and its plots into {@code dir}; returns what it wrote. */
  public List<Path> write(Path dir) {
    long scored = 0;
    for (long n : predictedCounts) scored += n;
    String subtitle =
        String.format(
            Locale.ROOT,
            "%,d images scored, %,d rejected%s",
            scored,
            rejected,
            evaluation == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    "; accuracy %.2f%% against the input's labels",
                    100 * evaluation.accuracy()));
    ReportWriter report = new ReportWriter("Scoring report", subtitle, facts);
    HtmlPage page = report.page();

    page.heading("Predicted labels and confidence");
    Map<String, Long[]> labels = new LinkedHashMap<>();
    labels.put("predicted", Plots.boxed(predictedCounts));
    if (trueCounts != null) labels.put("true (from the input)", Plots.boxed(trueCounts));
    byte[] labelsPng =
        Plots.png(
            Plots.bars("Label distribution", "digit", "images", Plots.classes(), labels, false));
    List<String> bins = new ArrayList<>();
    for (int b = 0; b < BINS; b++) bins.add(String.format(Locale.ROOT, "%.2f", (double) b / BINS));
    var confidenceChart = confidenceChart(bins);
    byte[] confidencePng = Plots.png(confidenceChart);
    report.save(dir.resolve(LABELS_PNG), labelsPng);
    report.save(dir.resolve(CONFIDENCE_PNG), confidencePng);
    page.figureRow()
        .figure(
            labelsPng,
            "label distribution",
            trueCounts == null
                ? "Images per predicted digit."
                : "Images per predicted digit beside images per true digit: a bar far from its partner is a digit the "
                    + "model over- or under-calls.")
        .figure(
            confidencePng,
            "confidence histogram",
            "The predicted label's probability, in bins of "
                + String.format(Locale.ROOT, "%.2f", 1.0 / BINS)
                + (wrongBins == null
                    ? "."
                    : ", for the right and the "
                        + "wrong answers apart, each as a share of its own count (the wrong ones are few): a good model is "
                        + "sure when right and unsure when wrong."));
    long under50 = 0;
    long under90 = 0;
    for (int b = 0; b < BINS; b++) {
      if (b < BINS / 2) under50 += confidenceBins[b];
      if (b < BINS * 9 / 10) under90 += confidenceBins[b];
    }
    List<List<String>> rows = new ArrayList<>();
    for (int c = 0; c < Digits.CLASSES; c++) {
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(c));
      row.add(count(predictedCounts[c]));
      if (trueCounts != null) row.add(count(trueCounts[c]));
      if (evaluation != null) {
        row.add(HtmlPage.percent(evaluation.precision()[c]));
        row.add(HtmlPage.percent(evaluation.recall()[c]));
      }
      rows.add(row);
    }
    List<String> header = new ArrayList<>(List.of("digit", "predicted"));
    if (trueCounts != null) header.add("true");
    if (evaluation != null) header.addAll(List.of("precision", "recall"));
    page.table(header, rows);
    page.note(
        String.format(
            Locale.ROOT,
            "%,d images (%s) were predicted with a probability under 0.5, %,d (%s) under " + "0.9.",
            under50,
            share(under50, scored),
            under90,
            share(under90, scored)));

    if (evaluation != null) {
      page.heading("Against the input's labels");
      report.confusionMatrix(
          dir.resolve(CONFUSION_PNG),
          "Confusion matrix",
          evaluation.confusionMatrix(),
          "the input's label");
    }

    if (!inputSamples.isEmpty()) {
      page.heading("What the network saw");
      byte[] samplesPng = InputSamples.png(inputSamples);
      report.save(dir.resolve(SAMPLES_PNG), samplesPng);
      page.figureRow()
          .figure(
              samplesPng,
              "input images beside the digits made of them",
              "Each input image as it "
                  + "was (left) and the 28x28 digit that the preprocessing made of it and the network read (right, ink dark). "
                  + (trueCounts == null
                      ? "A sample spread over the input."
                      : "Misread ones first (red), then a sample " + "spread over the input.")
                  + " A rejected image shows no digit on the right.");
    }

    page.heading("Rejected records");
    if (rejected == 0) {
      page.paragraph("None: every record read was scored.");
    } else {
      page.paragraph(
          String.format(
              Locale.ROOT,
              "%,d of %,d records read were rejected (quarantine mode); they are in "
                  + "_rejected/ with their reasons.",
              rejected,
              scored + rejected));
      List<List<String>> kinds = new ArrayList<>();
      rejectedByReason.forEach((k, n) -> kinds.add(List.of(k, count(n))));
      page.table(List.of("reason (numbers shown as N)", "records"), kinds);
      page.note("The first rejected records:");
      page.table(List.of("id", "file", "position", "reason"), firstRejected);
    }
    return report.finish(dir.resolve(REPORT), "scoring");
  }

  /**
   * Images per confidence bin; with labels, right and wrong answers as two bar series, each
   * normalised to its own total, because in counts the few wrong answers would not show beside the
   * many right ones.
   */
  private org.knowm.xchart.CategoryChart confidenceChart(List<String> bins) {
    Map<String, Number[]> series = new LinkedHashMap<>();
    String yTitle;
    if (wrongBins == null) {
      series.put("images", Plots.boxed(confidenceBins));
      yTitle = "images";
    } else {
      long right = 0;
      long wrong = 0;
      for (int b = 0; b < BINS; b++) {
        right += confidenceBins[b] - wrongBins[b];
        wrong += wrongBins[b];
      }
      Double[] rightShare = new Double[BINS];
      Double[] wrongShare = new Double[BINS];
      for (int b = 0; b < BINS; b++) {
        rightShare[b] = right == 0 ? 0 : 100.0 * (confidenceBins[b] - wrongBins[b]) / right;
        wrongShare[b] = wrong == 0 ? 0 : 100.0 * wrongBins[b] / wrong;
      }
      series.put(String.format(Locale.ROOT, "right answers (%,d)", right), rightShare);
      series.put(String.format(Locale.ROOT, "wrong answers (%,d)", wrong), wrongShare);
      yTitle = "% of the right / of the wrong answers";
    }
    var chart =
        Plots.bars(
            "Confidence of the predicted label",
            "probability (bin start)",
            yTitle,
            bins,
            series,
            false);
    chart.getStyler().setXAxisLabelRotation(90);
    if (wrongBins != null)
      chart.getStyler().setSeriesColors(new java.awt.Color[] {Plots.GREEN, Plots.RED});
    return chart;
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String share(long n, long of) {
    return of == 0 ? "-" : String.format(Locale.ROOT, "%.2f%%", 100.0 * n / of);
  }
}
