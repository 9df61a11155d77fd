package io.digitclassifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/options.md, generated from the picocli declarations: one section per command (a heading and
 * a table of option, default, description), in the order the command declares them. Each command's
 * options test compares its section with what {@link #section} prints; run it with {@code
 * -Ddocs.update=true} to write the section instead.
 */
public final class OptionsDoc {
  /** The generated page, relative to the project's root. */
  public static final String FILE = "docs/options.md";

  /**
   * With this system property set to {@code true} the check writes the section instead of comparing
   * it.
   */
  public static final String UPDATE = "docs.update";

  static final String PREAMBLE =
      """
      # Options of `bin/train`, `bin/score` and `bin/serve`

      Generated from the `@Option` declarations in `TrainingConfig`, `ScoringConfig` and `ServeConfig`; do not edit by
      hand. Each command's options test (`TrainingOptionsTest`, `ScoringOptionsTest`, `ServeOptionsTest`) fails when
      this page differs from the declarations; to regenerate it:

      ```bash
      nice -n 10 ./mvnw -B test -pl training-job,scoring-job,serving -am -Ddocs.update=true \\
        -Dtest='TrainingOptionsTest,ScoringOptionsTest,ServeOptionsTest' -Dsurefire.failIfNoSpecifiedTests=false
      ```

      Precedence: command line > `conf/<job>.properties` > the default below; `--help` prints all three. Spark's own
      flags (`--master`, `--conf k=v`, ...) go to Spark: see [training.md](training.md#the-command-and-its-options).
      The longer tables with examples are in [training.md](training.md#the-command-and-its-options),
      [scoring.md](scoring.md#the-command-and-its-options) and [serving.md](serving.md#canvas).
      """;

  private OptionsDoc() {}

  /** The heading of a command's section, e.g. {@code ## `bin/train`}. */
  static String heading(String launcher) {
    return "## `" + launcher + "`";
  }

  /** A command's section: its heading and a Markdown table of its options, ending in a newline. */
  public static String section(String launcher, Object command) {
    assertHelpPrintsWithoutWarnings(launcher, command);
    StringBuilder out = new StringBuilder(heading(launcher)).append("\n\n");
    out.append("| option | default | description |\n|---|---|---|\n");
    for (OptionSpec o : new CommandLine(command).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) continue;
      String name = o.negatable() ? "--[no-]" + o.longestName().substring(2) : o.longestName();
      String description = String.join(" ", o.description());
      List<String> values = new ArrayList<>();
      if (o.type().isEnum()) {
        for (Object v : o.type().getEnumConstants())
          values.add(v.toString().toLowerCase(java.util.Locale.ROOT));
        description += " One of: " + String.join(", ", values) + ".";
      }
      out.append("| `")
          .append(name)
          .append("` | ")
          .append(defaultCell(o))
          .append(" | ")
          .append(description.replace("|", "\\|"))
          .append(" |\n");
    }
    return out.toString();
  }

  /**
   * Picocli reads each description as a format string: a bare {@code %} makes it warn on stderr at
   * every {@code --help} and print the text raw. Refused here rather than left to a user's
   * terminal.
   */
  private static void assertHelpPrintsWithoutWarnings(String launcher, Object command) {
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(seen, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      new CommandLine(command).getUsageMessage();
    } finally {
      System.setErr(err);
    }
    String warnings = seen.toString(java.nio.charset.StandardCharsets.UTF_8);
    if (warnings.contains("picocli WARN"))
      throw new AssertionError(
          launcher + " --help makes picocli warn (write a percent sign as %%): " + warnings);
  }

  private static String defaultCell(OptionSpec o) {
    String d = o.defaultValue();
    if (o.required()) return "required";
    boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
    if (flag && o.negatable()) return Boolean.parseBoolean(d) ? "on" : "off";
    if (flag) return Boolean.parseBoolean(d) ? "on" : "off";
    String description = String.join(" ", o.description());
    if (d == null && description.contains("(required")) return "required";
    java.util.regex.Matcher from =
        java.util.regex.Pattern.compile("default: (from the \\w+)").matcher(description);
    if (d == null && from.find()) return from.group(1);
    if (d == null) return "none";
    return "`" + d + "`";
  }

  /**
   * Asserts that docs/options.md's section for {@code launcher} is what {@link #section} prints,
   * or, with {@code -Ddocs.update=true}, writes it there (the page created with its preamble when
   * missing).
   */
  public static void assertSectionMatches(String launcher, Object command) {
    Path file = ReadmeOptions.root().resolve(FILE);
    String expected = section(launcher, command);
    try {
      String page = Files.isRegularFile(file) ? Files.readString(file) : PREAMBLE;
      String current = sectionOf(page, launcher);
      if (Boolean.getBoolean(UPDATE)) {
        String updated =
            current == null
                ? page.stripTrailing() + "\n\n" + expected
                : page.replace(current, expected);
        Files.writeString(file, updated);
        return;
      }
      assertThat(current)
          .as(
              "%s's section '%s' (generated from the @Option declarations; regenerate with "
                  + "-D%s=true, see the top of %s)",
              FILE, heading(launcher), UPDATE, FILE)
          .isEqualTo(expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text from a section's heading line to the next level-2 heading or the end, or null. */
  static String sectionOf(String page, String launcher) {
    String heading = heading(launcher) + "\n";
    int start = page.startsWith(heading) ? 0 : page.indexOf("\n" + heading) + 1;
    if (start == 0 && !page.startsWith(heading)) return null;
    int end = page.indexOf("\n## ", start + heading.length());
    return end < 0
        ? page.substring(start)
        : page.substring(start, end + 1).replaceAll("\n+$", "\n");
  }
}
