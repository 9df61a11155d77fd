package io.digitclassifier.training;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints a progress line every few seconds during an epoch on the driver: images done of the epoch's total,
 * images/s, the mean loss so far and the time left. Reads the accumulators that {@link ProgressHook} fills on
 * the workers (their values arrive as tasks finish).
 */
final class ProgressReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

  private final LongAccumulator images;
  private final LongAccumulator batches;
  private final DoubleAccumulator lossSum;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "training-progress");
    t.setDaemon(true);
    return t;
  });
  private final long startNanos = System.nanoTime();
  private final long total;
  private final String label;

  ProgressReporter(String label, long total, LongAccumulator images, LongAccumulator batches, DoubleAccumulator lossSum,
      int everySeconds) {
    this.label = label;
    this.total = total;
    this.images = images;
    this.batches = batches;
    this.lossSum = lossSum;
    if (everySeconds > 0) timer.scheduleAtFixedRate(this::report, everySeconds, everySeconds, TimeUnit.SECONDS);
  }

  void report() {
    long done = images.value();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double rate = done / Math.max(seconds, 1e-9);
    String eta = rate > 0 && done < total ? format(Duration.ofSeconds((long) ((total - done) / rate))) : "-";
    LOG.info("{}: {}/{} images ({}%), {} img/s, loss {}, ETA {}", label, done, total,
        total == 0 ? 100 : Math.min(100, done * 100 / total), String.format("%.1f", rate),
        String.format("%.4f", meanLoss()), eta);
  }

  double meanLoss() {
    long n = batches.value();
    return n == 0 ? Double.NaN : lossSum.value() / n;
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
