package io.digitclassifier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.config.CommandOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How a job's main ends as the driver of a YARN cluster-mode application (inside Spark's ApplicationMaster, which
 * sets these two properties before it calls main): a success returns instead of System.exit(0), which would end
 * the application FAILED; a failure throws its one-line reason, which becomes YARN's diagnostics.
 */
class JobMainTest {
  @Command(name = "test")
  static final class Options extends CommandOptions {
    private static final long serialVersionUID = 1L;

    @Option(names = "--model", defaultValue = "none") String model;

    @Override
    public void validate() {}
  }

  @AfterEach
  void clear() {
    System.clearProperty("spark.submit.deployMode");
    System.clearProperty("spark.master");
  }

  @Test
  void asAYarnClusterDriverSuccessReturnsAndFailureThrowsItsReason() {
    System.setProperty("spark.master", "yarn");
    System.setProperty("spark.submit.deployMode", "cluster");
    JobMain.exit(0); // returns: System.exit would end this test JVM
    int code = JobMain.execute(new String[] {"--model", "runs/missing"}, new Options(), "test", "test",
        options -> {
          throw new IllegalArgumentException("Cannot load model " + options.model + ": no such file");
        }, (options, spark) -> "never");
    assertThat(code).isEqualTo(1);
    assertThatThrownBy(() -> JobMain.exit(code)).isInstanceOf(JobMain.Failed.class)
        .hasMessage("Test failed: Cannot load model runs/missing: no such file");
    int usage = JobMain.execute(new String[] {"--no-such-option"}, new Options(), "test", "test",
        options -> { }, (options, spark) -> "never");
    assertThat(usage).isEqualTo(2);
    assertThatThrownBy(() -> JobMain.exit(usage)).isInstanceOf(JobMain.Failed.class)
        .hasMessageContaining("--no-such-option");
  }
}
