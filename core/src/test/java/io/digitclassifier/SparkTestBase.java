package io.digitclassifier;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One local Spark (two threads) per test class, configured as the jobs run it: Kryo with ND4J's
 * registrator, and the plugin that picks ND4J's natives on each executor.
 *
 * <p>A session per class, not per test, because starting Spark costs seconds; tests must not stop
 * it.
 */
public abstract class SparkTestBase {
  protected static SparkSession spark;
  protected static JavaSparkContext jsc;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
            .config("spark.plugins", io.digitclassifier.spark.NativesPlugin.class.getName())
            .getOrCreate();
    // Spark's INFO lines would bury the test output.
    spark.sparkContext().setLogLevel("WARN");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
      jsc = null;
    }
  }
}
