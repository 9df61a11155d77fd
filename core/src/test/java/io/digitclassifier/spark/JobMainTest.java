package io.digitclassifier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.config.CommandOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How a job's main ends as the driver of a YARN cluster-mode application (inside Spark's
 * ApplicationMaster, which sets these two properties before it calls main): a success returns
 * instead of System.exit(0), which would end the application FAILED; a failure throws its one-line
 * reason, which becomes YARN's diagnostics.
 */
class JobMainTest {
  @Command(name = "test")
  static final class Options extends CommandOptions {
    private static final long serialVersionUID = 1L;

    @Option(names = "--model", defaultValue = "none")
    String model;

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
    int code =
        JobMain.execute(
            new String[] {"--model", "runs/missing"},
            new Options(),
            "test",
            "test",
            options -> {
              throw new IllegalArgumentException(
                  "Cannot load model " + options.model + ": no such file");
            },
            (options, spark) -> "never");
    assertThat(code).isEqualTo(1);
    assertThatThrownBy(() -> JobMain.exit(code))
        .isInstanceOf(JobMain.Failed.class)
        .hasMessage("Test failed: Cannot load model runs/missing: no such file");
    int usage =
        JobMain.execute(
            new String[] {"--no-such-option"},
            new Options(),
            "test",
            "test",
            options -> {},
            (options, spark) -> "never");
    assertThat(usage).isEqualTo(2);
    assertThatThrownBy(() -> JobMain.exit(usage))
        .isInstanceOf(JobMain.Failed.class)
        .hasMessageContaining("--no-such-option");
  }

  /**
   * An S3 server without ETags fails a job's tasks with S3A's "Change detection policy requires
   * ETag"; the job's one line (printed, and YARN's diagnostics) names the setting that reads
   * without them, on its first line.
   */
  @Test
  void anS3ServerWithoutEtagsIsOneLineNamingTheSetting() {
    System.setProperty("spark.master", "yarn");
    System.setProperty("spark.submit.deployMode", "cluster");
    // a task's failure as Spark reports it on the driver: the executor's exception in the message's
    // first line
    String taskFailure =
        "Job aborted due to stage failure: Task 0 in stage 2.0 failed 1 times, most recent failure: "
            + "Lost task 0.0 in stage 2.0 (TID 3) (localhost executor driver): "
            + "org.apache.hadoop.fs.s3a.NoVersionAttributeException: `s3a://bucket/digits.csv': Change detection policy "
            + "requires ETag\n\tat org.apache.hadoop.fs.s3a.impl.ChangeTracker.processMetadata(ChangeTracker.java:340)\n"
            + "Driver stacktrace:";
    int code =
        JobMain.execute(
            new String[0],
            new Options(),
            "test",
            "test",
            options -> {
              throw new org.apache.spark.SparkException(taskFailure);
            },
            (options, spark) -> "never");
    assertThat(code).isEqualTo(1);
    assertThatThrownBy(() -> JobMain.exit(code))
        .isInstanceOf(JobMain.Failed.class)
        .satisfies(
            e ->
                assertThat(e.getMessage().lines().findFirst().orElseThrow())
                    .isEqualTo(
                        "Test failed: "
                            + "Job aborted due to stage failure: Task 0 in stage 2.0 failed 1 times, most recent failure: "
                            + "Lost task 0.0 in stage 2.0 (TID 3) (localhost executor driver): "
                            + "org.apache.hadoop.fs.s3a.NoVersionAttributeException: `s3a://bucket/digits.csv': Change detection "
                            + "policy requires ETag; the S3 server sends no ETags: set fs.s3a.change.detection.version.required=false "
                            + "(or fs.s3a.change.detection.mode=none), for bin/train and bin/score with --conf "
                            + "spark.hadoop.fs.s3a.change.detection.version.required=false"));
  }
}
