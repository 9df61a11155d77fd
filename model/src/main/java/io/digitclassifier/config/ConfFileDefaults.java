package io.digitclassifier.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from {@code conf/<job>.properties}: the middle layer of "command line > conf file
 * > built-in". Keys are the long option names without dashes ({@code batch-size=64}). The conf
 * directory is the system property {@code digitclassifier.conf.dir}, else the environment variable
 * {@code DIGITCLASSIFIER_CONF_DIR}, else {@code ./conf}; a missing file means built-in defaults
 * only, and so does a key with an empty value ({@code data-format=}: no default, as if the line
 * were not there).
 */
public final class ConfFileDefaults implements CommandLine.IDefaultValueProvider {
  private final Path file;
  private final Properties properties = new Properties();

  public ConfFileDefaults(Path file) {
    this.file = file;
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(r);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot read configuration " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** The defaults for job {@code name} ({@code conf/<name>.properties}). */
  public static ConfFileDefaults forJob(String name) {
    String dir =
        System.getProperty(
            "digitclassifier.conf.dir",
            System.getenv().getOrDefault("DIGITCLASSIFIER_CONF_DIR", "conf"));
    return new ConfFileDefaults(Path.of(dir, name + ".properties"));
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option)) return null;
    String value = properties.getProperty(key(option));
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** Fails on keys that name no option, so a typo in a conf file is not silently ignored. */
  public void checkKeys(CommandLine cmd) {
    List<String> unknown = new ArrayList<>();
    for (String k : properties.stringPropertyNames()) {
      boolean known = cmd.getCommandSpec().options().stream().anyMatch(o -> key(o).equals(k));
      if (!known) unknown.add(k);
    }
    if (!unknown.isEmpty()) {
      throw new CommandLine.ParameterException(
          cmd, "Cannot use configuration " + file + ": unknown keys " + unknown);
    }
  }

  /** A help footer: which conf file was read and which built-in defaults it overrides. */
  public String helpFooter(CommandLine cmd) {
    StringBuilder sb =
        new StringBuilder("%nDefaults: command line > ")
            .append(file)
            .append(Files.isRegularFile(file) ? "" : " (not found)")
            .append(" > built-in.%n");
    for (OptionSpec o : cmd.getCommandSpec().options()) {
      String v = properties.getProperty(key(o));
      if (v != null && !v.isBlank()) {
        sb.append(
            String.format(
                "  %-24s %s from %s (built-in: %s)%%n",
                o.longestName(),
                v.trim(),
                file.getFileName(),
                o.defaultValue() == null ? "none" : o.defaultValue()));
      }
    }
    return sb.toString();
  }

  public Path file() {
    return file;
  }

  private static String key(OptionSpec o) {
    return o.longestName().replaceFirst("^-+", "");
  }
}
