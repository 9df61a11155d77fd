package io.digitclassifier.ml.fit;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows an epoch's progress on the driver: images done of the epoch's total, images/s, the mean
 * loss so far and the time left. Reads the accumulators that {@link ProgressHook} fills on the
 * workers (their values arrive as tasks finish).
 *
 * <p>Two modes. On a terminal (a console and {@code TERM} not {@code dumb}) a progress bar on
 * stderr, redrawn in place with a carriage return every second and finished with a newline.
 * Anywhere else (a pipe, a file, CI) a plain log line every {@code everySeconds}, which reads well
 * in a log where a redrawn bar would be noise.
 */
final class ProgressReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
  static final int BAR_WIDTH = 24;

  private final LongAccumulator images;
  private final LongAccumulator batches;
  private final DoubleAccumulator lossSum;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "training-progress");
            t.setDaemon(true);
            return t;
          });
  private final long startNanos = System.nanoTime();
  private final long total;
  private final String label;

  /** Where the bar is drawn, or null for plain log lines. */
  private final PrintStream bar;

  private int drawnLength;
  private boolean finished;

  ProgressReporter(
      String label,
      long total,
      LongAccumulator images,
      LongAccumulator batches,
      DoubleAccumulator lossSum,
      int everySeconds) {
    this(label, total, images, batches, lossSum, everySeconds, onTerminal() ? System.err : null);
  }

  ProgressReporter(
      String label,
      long total,
      LongAccumulator images,
      LongAccumulator batches,
      DoubleAccumulator lossSum,
      int everySeconds,
      PrintStream bar) {
    this.label = label;
    this.total = total;
    this.images = images;
    this.batches = batches;
    this.lossSum = lossSum;
    this.bar = bar;
    if (everySeconds > 0) {
      if (bar != null) {
        timer.scheduleAtFixedRate(this::redraw, 1, 1, TimeUnit.SECONDS);
      } else {
        timer.scheduleAtFixedRate(this::report, everySeconds, everySeconds, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A person is watching: stdin and stdout are a terminal (what {@link System#console()} tells)
   * that can redraw.
   */
  static boolean onTerminal() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  /** Plain mode: one log line now. Bar mode: the final state of the bar, and the line ends. */
  void report() {
    if (bar == null) {
      long done = images.value();
      double seconds = elapsedSeconds();
      double rate = done / Math.max(seconds, 1e-9);
      LOG.info(
          "{}: {}/{} images ({}%), {} img/s, loss {}, ETA {}",
          label,
          done,
          total,
          total == 0 ? 100 : Math.min(100, done * 100 / total),
          String.format("%.1f", rate),
          String.format("%.4f", meanLoss()),
          eta(done, rate));
      return;
    }
    synchronized (this) {
      if (finished) return;
      draw();
      bar.print(System.lineSeparator());
      bar.flush();
      finished = true;
    }
  }

  private synchronized void redraw() {
    if (finished) return;
    draw();
    bar.flush();
  }

  /**
   * Overwrites the bar in place: carriage return, the new line, spaces over what is left of a
   * longer old one.
   */
  private void draw() {
    String line = barLine(label, images.value(), total, elapsedSeconds(), meanLoss());
    StringBuilder sb = new StringBuilder(line.length() + 8).append('\r').append(line);
    for (int i = line.length(); i < drawnLength; i++) sb.append(' ');
    drawnLength = line.length();
    bar.print(sb);
  }

  /**
   * {@code Epoch 1/3 [#########...............] 42% 23040/54000 768 img/s loss 0.5437 ETA 0m40s}:
   * under 100 columns for an epoch of a million images, so the carriage return redraws one line
   * rather than a wrapped two.
   */
  static String barLine(String label, long done, long total, double seconds, double loss) {
    double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
    int filled = (int) Math.round(fraction * BAR_WIDTH);
    double rate = done / Math.max(seconds, 1e-9);
    StringBuilder sb = new StringBuilder(label).append(" [");
    for (int i = 0; i < BAR_WIDTH; i++) sb.append(i < filled ? '#' : '.');
    sb.append("] ")
        .append(String.format(Locale.ROOT, "%3d%%", (int) Math.floor(fraction * 100)))
        .append(' ')
        .append(done)
        .append('/')
        .append(total)
        .append(String.format(Locale.ROOT, " %.0f img/s", rate));
    if (!Double.isNaN(loss)) sb.append(String.format(Locale.ROOT, " loss %.4f", loss));
    sb.append(" ETA ").append(eta(done, total, rate));
    return sb.toString();
  }

  double meanLoss() {
    long n = batches.value();
    return n == 0 ? Double.NaN : lossSum.value() / n;
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private String eta(long done, double rate) {
    return eta(done, total, rate);
  }

  private static String eta(long done, long total, double rate) {
    return rate > 0 && done < total
        ? format(Duration.ofSeconds((long) ((total - done) / rate)))
        : "-";
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600
        ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format("%dm%02ds", s / 60, s % 60);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (bar != null) {
      synchronized (this) {
        // the fit failed before report(): end the bar's line so the error starts on a line of its
        // own
        if (!finished && drawnLength > 0) bar.println();
        finished = true;
      }
    }
  }
}
