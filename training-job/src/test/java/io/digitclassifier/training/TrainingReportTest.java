package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.TestDigits;
import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.data.Digits;
import io.digitclassifier.ml.fit.Augmenter;
import io.digitclassifier.report.ReportPages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training report drawn from plain data: the files, their contents, nothing fetched. */
class TrainingReportTest {
  @TempDir Path dir;

  static TrainingReport trainingReport(int epochs, List<Mistake> mistakes) {
    List<TrainingReport.Epoch> e = new ArrayList<>();
    for (int i = 1; i <= epochs; i++) {
      e.add(new TrainingReport.Epoch(i, 1.0 / i, 0.9 + 0.01 * i, 0.89 + 0.01 * i, 30, 800));
    }
    Augmenter augmenter = Augmenter.original();
    List<TrainingReport.AugmentedSample> samples = new ArrayList<>();
    int[] digits = {0, 1, 7};
    for (int s = 0; s < digits.length; s++) {
      byte[] original = TestDigits.drawnDigit(digits[s]);
      List<byte[]> copies = new ArrayList<>();
      for (int c = 1; c <= 8; c++) copies.add(augmenter.augment(original, 42, s + 1, c));
      samples.add(new TrainingReport.AugmentedSample(s + 1, digits[s], original, copies));
    }
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("training images", "2,000");
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("model", "lenet");
    conf.put("note", "<script>alert(1)</script>");
    return new TrainingReport(
        "lenet",
        "data/mnist",
        facts,
        conf,
        e,
        EvaluationSummary.ofConfusion(ReportPages.confusion()),
        samples,
        "rotation up to 10 degrees",
        mistakes);
  }

  static List<Mistake> mistakes(int n) {
    List<Mistake> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] p = new float[10];
      p[9] = 0.5f + 0.01f * i;
      p[4] = 1 - p[9];
      out.add(new Mistake(100 + i, 4, 9, p, TestDigits.drawnDigit(7)));
    }
    return out;
  }

  @Test
  void trainingReportIsOneOfflinePageWithEveryPlotAndTheSampleFiles() throws IOException {
    List<Path> written = trainingReport(3, Mistake.top(mistakes(5), 16)).write(dir);

    for (String png :
        List.of(
            "loss.png",
            "accuracy.png",
            "confusion-matrix.png",
            "precision-recall.png",
            "augmented-samples.png",
            "confident-mistakes.png")) {
      Path file = dir.resolve("plots").resolve(png);
      assertThat(written).contains(file);
      assertThat(ImageIO.read(file.toFile())).as(png).isNotNull();
    }
    String html = Files.readString(dir.resolve("report.html"));
    // self-contained: six embedded PNGs, no URL to fetch, text escaped
    List<BufferedImage> embedded = ReportPages.embeddedImages(html);
    assertThat(embedded).hasSize(6);
    assertThat(html)
        .doesNotContain("http://", "https://", "<script>", "<link")
        .contains("&lt;script&gt;");
    assertThat(html).contains("held-out accuracy", "Most confident mistakes", "lenet");

    // 3 samples x (original + 8 copies): 9 columns of 28x3 pixels and 3 rows
    BufferedImage grid = ImageIO.read(dir.resolve("plots/augmented-samples.png").toFile());
    assertThat(grid.getWidth()).isGreaterThan(9 * 84);
    assertThat(grid.getHeight()).isGreaterThan(3 * 84);

    List<String> augmented = Files.readAllLines(dir.resolve("samples/augmented.csv"));
    assertThat(augmented).hasSize(1 + 3 * 9);
    assertThat(augmented.get(0)).startsWith("sample,id,label,copy,pixel0,").endsWith(",pixel783");
    assertThat(augmented.get(1).split(",")).hasSize(4 + Digits.PIXELS);
    assertThat(augmented.get(1)).startsWith("0,1,0,0,");
    assertThat(augmented.get(9)).startsWith("0,1,0,8,");

    List<String> mistakes = Files.readAllLines(dir.resolve("samples/mistakes.csv"));
    assertThat(mistakes).hasSize(1 + 5);
    // most confident first
    assertThat(mistakes.get(1)).startsWith("1,104,4,9,0.54");
    assertThat(mistakes.get(1).split(",")).hasSize(5 + 10 + Digits.PIXELS);
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void oneEpochAndNoMistakesStillMakeAReport() throws IOException {
    trainingReport(1, List.of()).write(dir);

    assertThat(dir.resolve("report.html")).isRegularFile();
    assertThat(dir.resolve("plots/confident-mistakes.png")).doesNotExist();
    assertThat(dir.resolve("samples/mistakes.csv")).doesNotExist();
    assertThat(Files.readString(dir.resolve("report.html"))).contains("No mistakes were found");
  }

  @Test
  void topKeepsTheMostConfidentMistakesWhateverTheOrder() {
    List<Mistake> all = mistakes(40);
    java.util.Collections.shuffle(all, new java.util.Random(1));
    Mistake.Top top = new Mistake.Top(16);
    all.forEach(top::offer);
    List<Mistake> kept = top.sorted();

    assertThat(kept).hasSize(16);
    assertThat(kept)
        .extracting(Mistake::id)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.iterate(139, i -> i - 1).limit(16).boxed().toList());
    assertThat(Mistake.top(kept.subList(0, 3), 16)).hasSize(3);
    assertThat(kept.get(0).confidence()).isGreaterThan(kept.get(15).confidence());
    assertThat(kept.get(0).trueProbability()).isLessThan(kept.get(0).confidence());
  }
}
