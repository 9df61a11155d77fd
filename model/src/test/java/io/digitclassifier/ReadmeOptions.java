package io.digitclassifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Checks a command's option table in the docs (docs/training.md, docs/scoring.md, docs/serving.md)
 * against its picocli declaration, the one place an option's name, type, default and description
 * are declared: the same options, no more, and the same defaults (as the table writes them: {@code
 * off} for a false flag, {@code none} or {@code from the ...} for no default, {@code required}).
 */
public final class ReadmeOptions {
  private ReadmeOptions() {}

  /**
   * The root of the checkout the tests run in: the first directory above the working one that holds
   * {@code mvnw}.
   */
  public static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("README.md")))
        return p;
    }
    throw new IllegalStateException(
        "mvnw and README.md not found above " + Path.of("").toAbsolutePath());
  }

  /** The README of the checkout the tests run in. */
  public static Path readme() {
    return root().resolve("README.md");
  }

  /** {@link #assertTableMatches(Object, String, String)} on README.md. */
  public static void assertTableMatches(Object command, String heading) {
    assertTableMatches(command, "README.md", heading);
  }

  /**
   * Asserts that the first option table after {@code heading} (a whole line of {@code file}, a path
   * relative to the project's root such as {@code docs/training.md}) matches {@code command}'s
   * options.
   */
  public static void assertTableMatches(Object command, String file, String heading) {
    Map<String, String> rows = table(root().resolve(file), heading);
    CommandLine cmd = new CommandLine(command);
    Map<String, OptionSpec> declared = new LinkedHashMap<>();
    for (OptionSpec o : cmd.getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) continue;
      declared.put(o.longestName(), o);
    }
    assertThat(new TreeSet<>(rows.keySet()))
        .as("options in %s's table under '%s'", file, heading)
        .isEqualTo(new TreeSet<>(declared.keySet()));
    for (Map.Entry<String, OptionSpec> e : declared.entrySet()) {
      String written = rows.get(e.getKey());
      OptionSpec o = e.getValue();
      assertThat(sameDefault(written, o))
          .as(
              "%s default of %s: '%s', declared '%s'%s",
              file, e.getKey(), written, o.defaultValue(), o.required() ? " (required)" : "")
          .isTrue();
    }
  }

  private static boolean sameDefault(String written, OptionSpec o) {
    String declared = o.defaultValue();
    // required: by picocli, or checked when the options become a config (a conf file may give it)
    if (o.required() || "required".equals(written))
      return "required".equals(written) && (o.required() || declared == null);
    if (declared == null)
      return written.equals("none")
          || written.startsWith("from the ")
          || written.equals("required");
    boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
    if (flag && o.negatable()) return Boolean.parseBoolean(declared) != written.equals("off");
    if (flag) return written.equals(Boolean.parseBoolean(declared) ? "on" : "off");
    if (written.equalsIgnoreCase(declared)) return true;
    try {
      return new BigDecimal(written).compareTo(new BigDecimal(declared)) == 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Option name (as {@code --name}, {@code [no-]} removed) to its default cell, backticks removed.
   */
  private static Map<String, String> table(Path file, String heading) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int i = lines.indexOf(heading);
    assertThat(i).as("heading '%s' in %s", heading, file).isNotNegative();
    while (i < lines.size() && !lines.get(i).startsWith("| option |")) i++;
    assertThat(i).as("an option table under '%s'", heading).isLessThan(lines.size());
    Map<String, String> rows = new LinkedHashMap<>();
    for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|");
      String name = cells[1].trim().replace("`", "").replace("[no-]", "");
      rows.put(name, cells[2].trim().replace("`", ""));
    }
    return rows;
  }
}
