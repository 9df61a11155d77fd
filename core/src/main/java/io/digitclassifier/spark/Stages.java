package io.digitclassifier.spark;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names each pipeline stage in Spark's UI (job group and description), so the UI reads like the
 * pipeline.
 */
public final class Stages {
  private static final Logger LOG = LoggerFactory.getLogger(Stages.class);

  private Stages() {}

  /**
   * Runs {@code body} with Spark jobs grouped under {@code group} and described as {@code
   * description}.
   */
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
   * Cancels the jobs of {@code group} and waits until none of their tasks runs, for up to {@code
   * timeoutMs}. When a job fails, Spark reports the failure while its other tasks may still be
   * running (cancelled, but not interrupted), and such a task can write its part file after the
   * job's output was cleaned up; so output is removed only once they have stopped. Other jobs of
   * the same Spark context (a notebook's) are left alone. Returns whether the tasks stopped in
   * time.
   */
  public static boolean awaitTasksEnded(SparkContext sc, String group, long timeoutMs) {
    sc.cancelJobGroup(group);
    org.apache.spark.api.java.JavaSparkStatusTracker tracker =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc).statusTracker();
    long end = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      int running = 0;
      for (int job : tracker.getJobIdsForGroup(group)) {
        org.apache.spark.SparkJobInfo info = tracker.getJobInfo(job);
        if (info == null) continue;
        for (int stage : info.stageIds()) {
          org.apache.spark.SparkStageInfo stageInfo = tracker.getStageInfo(stage);
          if (stageInfo != null) running += stageInfo.numActiveTasks();
        }
      }
      if (running == 0) return true;
      if (System.nanoTime() > end) {
        LOG.warn(
            "{} tasks still running after {} ms; cleaning up the output regardless",
            running,
            timeoutMs);
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
    run(
        sc,
        group,
        description,
        () -> {
          body.run();
          return null;
        });
  }
}
