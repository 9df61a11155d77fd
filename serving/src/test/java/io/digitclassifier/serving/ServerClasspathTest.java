package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server runs without Spark: neither Spark, Scala, dl4j-spark nor the Spark-bound core module
 * is on its classpath (this test's classpath is the server's, plus test libraries). A dependency
 * that brought any of them back fails here, before it reaches bin/serve.
 */
class ServerClasspathTest {
  @Test
  void noSparkScalaOrCoreOnTheServersClasspath() {
    for (String name :
        List.of(
            "org.apache.spark.SparkContext",
            "scala.Predef",
            "org.deeplearning4j.spark.api.TrainingMaster",
            "io.digitclassifier.spark.JobMain",
            "io.digitclassifier.io.DigitInputs")) {
      assertThat(loadable(name)).as(name + " on the server's classpath").isFalse();
    }
    assertThat(loadable("io.digitclassifier.predict.Predictor")).as("the model module").isTrue();
    assertThat(loadable("org.apache.hadoop.fs.FileSystem"))
        .as("Hadoop's client, for models on HDFS or S3")
        .isTrue();
  }

  private static boolean loadable(String name) {
    try {
      Class.forName(name, false, ServerClasspathTest.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
