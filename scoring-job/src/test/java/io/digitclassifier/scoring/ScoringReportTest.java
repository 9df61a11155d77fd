package io.digitclassifier.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.report.ReportPages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scoring report drawn from plain data: the files, their contents, nothing fetched. */
class ScoringReportTest {
  @TempDir Path dir;

  @Test
  void scoringReportWithLabelsAndRejects() throws IOException {
    long[] predicted = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    long[] bins = new long[ScoringReport.BINS];
    long[] wrong = new long[ScoringReport.BINS];
    bins[19] = 9700;
    bins[10] = 280;
    bins[5] = 20;
    wrong[10] = 80;
    wrong[5] = 15;
    Map<String, Long> reasons = new LinkedHashMap<>();
    reasons.put(
        ScoringReport.reasonKind(
            "Cannot read /d/x.csv: line 7, column pixel3: value 'x7', expected an "
                + "integer 0-255",
            "/d/x.csv"),
        2L);
    ScoringReport report =
        new ScoringReport(
            Map.of("input", "t10k"),
            predicted,
            predicted,
            bins,
            wrong,
            EvaluationSummary.ofConfusion(ReportPages.confusion()),
            2,
            reasons,
            List.of(List.of("7", "/d/x.csv", "line 7", "Cannot read <it>")),
            List.of());

    List<Path> written = report.write(dir);

    assertThat(written)
        .extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrder(
            "_report.html", "_label-distribution.png", "_confidence.png", "_confusion-matrix.png");
    String html = Files.readString(dir.resolve("_report.html"));
    assertThat(ReportPages.embeddedImages(html)).hasSize(3);
    assertThat(html)
        .contains(
            "Cannot read &lt;file&gt;: line N, column pixelN: value &#39;…&#39;, expected an integer N-N")
        .contains("Cannot read &lt;it&gt;")
        .contains("10,000 images scored, 2 rejected");
    // every name starts with _ so that Spark's readers of the output directory skip it
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .allMatch(n -> n.startsWith("_") || n.startsWith("."));
    }
  }

  @Test
  void scoringReportWithoutLabels() throws IOException {
    long[] bins = new long[ScoringReport.BINS];
    bins[19] = 3;
    new ScoringReport(
            Map.of(),
            new long[] {1, 0, 0, 0, 0, 0, 0, 2, 0, 0},
            null,
            bins,
            null,
            null,
            0,
            Map.of(),
            List.of(),
            List.of())
        .write(dir);

    assertThat(dir.resolve("_confusion-matrix.png")).doesNotExist();
    assertThat(Files.readString(dir.resolve("_report.html")))
        .contains("None: every record read was scored");
  }
}
