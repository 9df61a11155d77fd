package io.digitclassifier.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import java.io.PrintStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * A program's options, each declared once: a subclass's picocli {@code @Option} field is the
 * option's name, type, default and description, and holds the value the program reads (through an
 * accessor named like the field). The {@code conf/*.properties} keys are the option names ({@link
 * ConfFileDefaults} refuses others), {@code --help} is picocli's, and the docs' option tables (and
 * the generated docs/options.md) are tested against these fields. Enum options go through picocli's
 * own conversion, in any case ({@code --model LeNet}).
 *
 * <p>An instance is the resolved configuration of one run: serializable (it travels to executors),
 * compared, printed and written to JSON ({@code metrics.json}) field by field, under the fields'
 * names.
 */
@JsonAutoDetect(
    fieldVisibility = Visibility.ANY,
    getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
public abstract class CommandOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Checks what picocli cannot (ranges, combinations); an {@link IllegalArgumentException} names
   * the option.
   */
  public abstract void validate();

  /**
   * A picocli command line filling these options, with the project's conventions (enum values in
   * any case).
   */
  public final CommandLine commandLine() {
    CommandLine cmd = new CommandLine(this);
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    // a network is named by its --model name, which is not always its constant's
    return withNetworkNames(cmd);
  }

  /**
   * {@code cmd} reading {@link io.digitclassifier.net.NetworkKind} by the names users write ({@code
   * seed}, {@code lenet}, {@code vgg}), refusing others with those names.
   */
  public static CommandLine withNetworkNames(CommandLine cmd) {
    return cmd.registerConverter(
        io.digitclassifier.net.NetworkKind.class,
        name -> {
          try {
            return io.digitclassifier.net.NetworkKind.fromCliName(name);
          } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
          }
        });
  }

  /**
   * Fills these options as a program's {@code main} does: {@code args} over {@code
   * conf/<job>.properties} ({@link ConfFileDefaults#forJob}) over the built-in defaults, then
   * checks the conf file's keys and {@link #validate()}s. Returns true when {@code --help} or
   * {@code --version} asked for text instead, which is then printed on {@code out}. Bad usage is a
   * picocli {@link CommandLine.ParameterException} or an {@link IllegalArgumentException}, each
   * with a message for the user.
   */
  public final boolean parseCommandLine(String job, String[] args, PrintStream out) {
    CommandLine cmd = commandLine();
    ConfFileDefaults defaults = ConfFileDefaults.forJob(job);
    cmd.setDefaultValueProvider(defaults);
    cmd.getCommandSpec().usageMessage().footer(defaults.helpFooter(cmd));
    cmd.parseArgs(args);
    if (cmd.isUsageHelpRequested()) {
      cmd.usage(out, CommandLine.Help.Ansi.OFF);
      return true;
    }
    if (cmd.isVersionHelpRequested()) {
      cmd.printVersionHelp(out, CommandLine.Help.Ansi.OFF);
      return true;
    }
    defaults.checkKeys(cmd);
    validate();
    return false;
  }

  /**
   * Fills {@code options} from {@code args} over the built-in defaults only (no conf file) and
   * validates them: for tests, benchmarks and callers that build a configuration in code. Bad usage
   * is an {@link IllegalArgumentException} with picocli's or {@link #validate()}'s message.
   */
  public static <T extends CommandOptions> T parse(T options, String... args) {
    try {
      options.commandLine().parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    options.validate();
    return options;
  }

  private List<Field> optionFields() {
    List<Field> fields = new ArrayList<>();
    for (Class<?> c = getClass(); c != CommandOptions.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.isAnnotationPresent(Option.class)) {
          f.setAccessible(true);
          fields.add(f);
        }
      }
    }
    return fields;
  }

  private List<Object> values() {
    List<Object> values = new ArrayList<>();
    for (Field f : optionFields()) {
      try {
        values.add(f.get(this));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && values().equals(((CommandOptions) o).values());
  }

  @Override
  public int hashCode() {
    return Objects.hash(getClass(), values());
  }

  /** {@code Name[field=value, ...]}, as a record prints. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('[');
    List<Field> fields = optionFields();
    List<Object> values = values();
    for (int i = 0; i < fields.size(); i++) {
      sb.append(i == 0 ? "" : ", ")
          .append(fields.get(i).getName())
          .append('=')
          .append(values.get(i));
    }
    return sb.append(']').toString();
  }
}
