package io.digitclassifier.ml.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * The progress bar's line and its redraw; the plain mode is the log line that TrainingJobTest's
 * runs print.
 */
class ProgressReporterTest {

  @Test
  void barLineShowsShareRateLossAndEta() {
    String line = ProgressReporter.barLine("Epoch 1/3", 13_500, 54_000, 10, 0.54371);

    assertThat(line)
        .isEqualTo(
            "Epoch 1/3 [######..................]  25% 13500/54000 1350 img/s loss 0.5437 ETA 0m30s");
    assertThat(ProgressReporter.barLine("Epoch 3/3", 1_000_000, 1_000_000, 100, Double.NaN))
        .isEqualTo("Epoch 3/3 [########################] 100% 1000000/1000000 10000 img/s ETA -")
        .hasSizeLessThan(100);
    // dl4j-spark drops a split's remainder, so done can stay under the total; and a first call has
    // no rate yet
    assertThat(ProgressReporter.barLine("Epoch 1/1", 0, 54_000, 0.5, Double.NaN))
        .contains("   0% 0/54000 0 img/s ETA -");
  }

  @Test
  void barRedrawsInPlaceAndEndsItsLineOnce() {
    LongAccumulator images = new LongAccumulator();
    LongAccumulator batches = new LongAccumulator();
    DoubleAccumulator loss = new DoubleAccumulator();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
    try (ProgressReporter p =
        new ProgressReporter("Epoch 1/1", 100, images, batches, loss, 0, stream)) {
      images.add(100);
      batches.add(2);
      loss.add(1.0);
      p.report();
      p.report();
    }
    String drawn = out.toString(StandardCharsets.UTF_8);

    assertThat(drawn)
        .startsWith("\rEpoch 1/1 [########################] 100% 100/100 ")
        .contains("loss 0.5000")
        .endsWith(System.lineSeparator());
    assertThat(drawn.split("\r", -1)).hasSize(2);
    assertThat(drawn.indexOf(System.lineSeparator()))
        .isEqualTo(drawn.length() - System.lineSeparator().length());
  }

  @Test
  void barThatNeverFinishedStillEndsItsLine() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
    ProgressReporter p =
        new ProgressReporter(
            "Epoch 1/1",
            100,
            new LongAccumulator(),
            new LongAccumulator(),
            new DoubleAccumulator(),
            1,
            stream);
    Thread.sleep(1_500);
    p.close();
    String drawn = out.toString(StandardCharsets.UTF_8);
    assertThat(drawn)
        .startsWith("\rEpoch 1/1 [........................]   0% 0/100")
        .endsWith(System.lineSeparator());
  }

  @Test
  void testsAreNotOnATerminal() {
    // Surefire pipes the JVM's output: plain log lines, never a bar in CI logs
    assertThat(ProgressReporter.onTerminal()).isFalse();
  }
}
