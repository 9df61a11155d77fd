package io.digitclassifier.serving;

import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.storage.Storage;
import java.io.PrintStream;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;

/**
 * The exit codes and messages of the export commands (bin/export-onnx, bin/export-web), written
 * once.
 */
final class ExportCommands {
  private ExportCommands() {}

  /**
   * Parses {@code args} into {@code command} and runs {@code export}, printing the line it returns:
   * 0 written, 1 a model that cannot be read or exported or an output that cannot be written, 2 bad
   * usage.
   */
  static <C extends CommandOptions> int run(
      String name,
      C command,
      Function<Configuration, String> export,
      String[] args,
      PrintStream out,
      PrintStream err) {
    try {
      if (command.parseCommandLine(name, args, out)) return 0;
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println("Run with --help for the options.");
      return 2;
    }
    try {
      out.println(export.apply(Storage.conf()));
      return 0;
    } catch (RuntimeException e) {
      err.println("Export failed: " + e.getMessage());
      return 1;
    }
  }
}
