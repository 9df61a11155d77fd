package io.digitclassifier.spark;

import io.digitclassifier.config.ConfFileDefaults;
import io.digitclassifier.natives.NativeBuild;
import io.digitclassifier.storage.BadInputException;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * What every job's {@code main} does around its typed {@code run(config, spark)}: parse the command line with
 * defaults from {@code conf/<job>.properties}, print {@code --help}, start Spark (and stop it only if it
 * started it), print the one-line result, and turn failures into one clear line and an exit code:
 * 0 done, 1 bad input or failure, 2 bad usage.
 */
public final class JobMain {
  private JobMain() {}

  /** The job itself, given its configuration and a SparkSession; returns the line to print on success. */
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
   * @param options the picocli command object, filled from {@code args}
   * @param toConfig validates the filled options into an immutable config (IllegalArgumentException: bad usage)
   * @param job the conf file's name ({@code conf/<job>.properties}) and the word for messages ("Training")
   */
  public static <C> int execute(String[] args, Object options, String job, String appName, Supplier<C> toConfig,
      Check<C> beforeSpark, Body<C> body) {
    CommandLine cmd = new CommandLine(options);
    ConfFileDefaults defaults = ConfFileDefaults.forJob(job);
    cmd.setDefaultValueProvider(defaults);
    cmd.getCommandSpec().usageMessage().footer(defaults.helpFooter(cmd));
    C config;
    try {
      CommandLine.ParseResult parsed = cmd.parseArgs(args);
      if (CommandLine.printHelpIfRequested(parsed)) return 0;
      defaults.checkKeys(cmd);
      config = toConfig.get();
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
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
    } catch (Exception e) { // Spark's SparkException is checked, thrown from Scala without a declaration
      BadInputException bad = BadInputException.find(e);
      System.err.println(what + " failed: " + (bad != null ? bad.getMessage() : e.getMessage()));
      if (bad == null && !(e instanceof IllegalArgumentException)) e.printStackTrace();
      return 1;
    } finally {
      if (ownSession && spark != null) spark.stop();
    }
  }
}
