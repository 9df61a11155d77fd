package io.digitclassifier.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * The parent pom's copy of Spark's Java 17 flags (used by bin/* and Surefire) must be Spark's own
 * list.
 */
class SparkJvmOptionsTest {
  @Test
  void pomCopyMatchesSparksList() {
    String ours = System.getProperty("spark.java17.options");
    assertThat(ours).as("Surefire passes the pom property spark.java17.options").isNotBlank();
    Set<String> spark =
        new TreeSet<>(Arrays.asList(JavaModuleOptions.defaultModuleOptions().trim().split("\\s+")));
    assertThat(new TreeSet<>(Arrays.asList(ours.trim().split("\\s+")))).isEqualTo(spark);
  }
}
