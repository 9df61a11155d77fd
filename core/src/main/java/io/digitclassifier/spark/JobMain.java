package io.digitclassifier.spark;

import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.data.BadInputException;
import io.digitclassifier.natives.NativeBuild;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * What every job's {@code main} does around its typed {@code run(config, spark)}: parse the command
 * line with defaults from {@code conf/<job>.properties}, print {@code --help}, start Spark (and
 * stop it only if it started it), print the one-line result, and turn failures into one clear line
 * and an exit code: 0 done, 1 bad input or failure, 2 bad usage.
 */
public final class JobMain {
  /** The last failure line printed on this thread, for {@link #exit}. */
  private static final ThreadLocal<String> FAILURE = new ThreadLocal<>();

  private JobMain() {}

  /**
   * Ends a job's {@code main} with its exit code. As the driver of a YARN cluster-mode application
   * the job runs inside Spark's ApplicationMaster, where {@code System.exit} (even with 0) would
   * end the application as FAILED before it reports: there a success returns, and a failure throws
   * its one-line reason, which YARN records as the application's diagnostics and which spark-submit
   * prints before exiting non-zero.
   */
  public static void exit(int code) {
    if (!"cluster".equals(System.getProperty("spark.submit.deployMode"))
        || !String.valueOf(System.getProperty("spark.master")).startsWith("yarn")) {
      System.exit(code);
    }
    if (code == 0) return;
    String failure = FAILURE.get();
    throw new Failed(
        failure != null ? failure : "exit code " + code + " (bad usage: see the driver's log)");
  }

  /**
   * A job that failed, as the YARN application's final exception: its message is the job's failure
   * line.
   */
  public static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failed(String line) {
      super(line, null, false, false);
    }
  }

  /**
   * The job itself, given its configuration and a SparkSession; returns the line to print on
   * success.
   */
  @FunctionalInterface
  public interface Body<C> {
    String run(C config, SparkSession spark) throws Exception;
  }

  /** A check that runs before Spark starts (for example: that the model loads). */
  @FunctionalInterface
  public interface Check<C> {
    void check(C config) throws Exception;
  }

  /**
   * @param config the job's options, filled from {@code args} over {@code conf/<job>.properties}
   *     and validated (picocli's errors and {@link CommandOptions#validate()}'s
   *     IllegalArgumentException: bad usage)
   * @param job the conf file's name ({@code conf/<job>.properties}) and the word for messages
   *     ("Training")
   */
  public static <C extends CommandOptions> int execute(
      String[] args, C config, String job, String appName, Check<C> beforeSpark, Body<C> body) {
    FAILURE.remove();
    try {
      if (config.parseCommandLine(job, args, System.out)) return 0;
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
      FAILURE.set(e.getMessage());
      System.err.println(e.getMessage());
      System.err.println("Run with --help for the options.");
      return 2;
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = null;
    String what = Character.toUpperCase(job.charAt(0)) + job.substring(1);
    try {
      NativeBuild.select(); // before anything loads ND4J: the model check below does
      beforeSpark.check(config);
      spark = SparkSessions.create(appName);
      System.out.println(body.run(config, spark));
      return 0;
    } catch (
        Exception e) { // Spark's SparkException is checked, thrown from Scala without a declaration
      BadInputException bad = BadInputException.find(e);
      String line =
          io.digitclassifier.storage.Storage.withHint(
              what + " failed: " + (bad != null ? bad.getMessage() : e.getMessage()), e);
      FAILURE.set(line);
      System.err.println(line);
      if (bad == null && !(e instanceof IllegalArgumentException)) e.printStackTrace();
      return 1;
    } finally {
      if (ownSession && spark != null) spark.stop();
    }
  }
}
