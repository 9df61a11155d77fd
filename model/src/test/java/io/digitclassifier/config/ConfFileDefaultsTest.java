package io.digitclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ConfFileDefaultsTest {
  @TempDir Path dir;

  @Command(name = "job")
  static class Opts {
    @Option(names = "--epochs", defaultValue = "1")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Option(names = "--model", defaultValue = "seed")
    String model;
  }

  @Test
  void commandLineBeatsConfFileBeatsBuiltIn() throws Exception {
    Path file =
        Files.writeString(dir.resolve("job.properties"), "# comment\nepochs=3\nbatch-size = 128\n");
    Opts opts = new Opts();
    CommandLine cmd = new CommandLine(opts);
    ConfFileDefaults defaults = new ConfFileDefaults(file);
    cmd.setDefaultValueProvider(defaults);
    cmd.parseArgs("--batch-size", "32");
    assertThat(opts.epochs).isEqualTo(3);
    assertThat(opts.batchSize).isEqualTo(32);
    assertThat(opts.model).isEqualTo("seed");
    assertThat(defaults.helpFooter(cmd))
        .contains("--epochs", "3 from job.properties (built-in: 1)");
  }

  @Test
  void anEmptyValueIsNoDefault() throws Exception {
    Path file = Files.writeString(dir.resolve("job.properties"), "model=\nepochs = 4\n");
    Opts opts = new Opts();
    CommandLine cmd = new CommandLine(opts);
    cmd.setDefaultValueProvider(new ConfFileDefaults(file));
    cmd.parseArgs();
    assertThat(opts.model).isEqualTo("seed");
    assertThat(opts.epochs).isEqualTo(4);
  }

  @Test
  void unknownKeysAreAnError() throws Exception {
    Path file = Files.writeString(dir.resolve("job.properties"), "epochz=3\n");
    CommandLine cmd = new CommandLine(new Opts());
    ConfFileDefaults defaults = new ConfFileDefaults(file);
    cmd.setDefaultValueProvider(defaults);
    cmd.parseArgs();
    assertThatThrownBy(() -> defaults.checkKeys(cmd))
        .hasMessage("Cannot use configuration " + file + ": unknown keys [epochz]");
  }

  @Test
  void missingFileMeansBuiltInDefaults() {
    Opts opts = new Opts();
    CommandLine cmd = new CommandLine(opts);
    cmd.setDefaultValueProvider(new ConfFileDefaults(dir.resolve("none.properties")));
    cmd.parseArgs();
    assertThat(opts.epochs).isEqualTo(1);
  }
}
