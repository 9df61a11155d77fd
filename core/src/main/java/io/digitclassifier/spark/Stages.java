package io.digitclassifier.spark;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Names each pipeline stage in Spark's UI (job group and description), so the UI reads like the pipeline. */
public final class Stages {
  private static final Logger LOG = LoggerFactory.getLogger(Stages.class);

  private Stages() {}

  /** Runs {@code body} with Spark jobs grouped under {@code group} and described as {@code description}. */
  public static <T> T run(SparkContext sc, String group, String description, Supplier<T> body) {
    sc.setJobGroup(group, description, false);
    long start = System.nanoTime();
    try {
      return body.get();
    } finally {
      LOG.debug("Stage {} took {} ms", description, (System.nanoTime() - start) / 1_000_000);
      sc.clearJobGroup();
    }
  }

  /**
   * Waits until no task runs on any executor, for up to {@code timeoutMs}. When a job fails, Spark reports the
   * failure while its other tasks may still be running (cancelled, but not interrupted), and such a task can write
   * its part file after the job's output was cleaned up; so output is removed only once they have stopped.
   * Returns whether they did in time.
   */
  public static boolean awaitTasksEnded(SparkContext sc, long timeoutMs) {
    sc.cancelAllJobs();
    long end = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      int running = 0;
      for (org.apache.spark.SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) running += e.numRunningTasks();
      if (running == 0) return true;
      if (System.nanoTime() > end) {
        LOG.warn("{} tasks still running after {} ms; cleaning up the output regardless", running, timeoutMs);
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  public static void run(SparkContext sc, String group, String description, Runnable body) {
    run(sc, group, description, () -> {
      body.run();
      return null;
    });
  }
}
