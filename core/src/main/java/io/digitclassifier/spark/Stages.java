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

  public static void run(SparkContext sc, String group, String description, Runnable body) {
    run(sc, group, description, () -> {
      body.run();
      return null;
    });
  }
}
