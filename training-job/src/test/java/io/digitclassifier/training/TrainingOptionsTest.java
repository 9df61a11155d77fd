package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.config.ConfFileDefaults;
import io.digitclassifier.net.NetworkKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

class TrainingOptionsTest {

  private static Path shippedConf() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conf/training.properties"))) return p.resolve("conf/training.properties");
    }
    throw new IllegalStateException("conf/training.properties not found");
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    CommandLine cmd = new CommandLine(new TrainingOptions());
    String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (OptionSpec o : cmd.getCommandSpec().options()) {
      assertThat(help).contains(o.negatable() ? "--[no-]" + o.longestName().substring(2) : o.longestName());
      // flags (arity 0) show no default; every option that takes a value does
      if (o.defaultValue() != null && o.arity().max() > 0) assertThat(help).contains("Default: " + o.defaultValue());
    }
  }

  @Test
  void readmeTableIsTheDeclaredOptions() {
    io.digitclassifier.ReadmeOptions.assertTableMatches(new TrainingOptions(), "## Training");
  }

  @Test
  void builtInDefaultsAreTheShippedRecipe() {
    TrainingOptions builtIn = new TrainingOptions();
    new CommandLine(builtIn).parseArgs();
    TrainingOptions shipped = new TrainingOptions();
    CommandLine cmd = new CommandLine(shipped);
    cmd.setDefaultValueProvider(new ConfFileDefaults(shippedConf()));
    cmd.parseArgs();
    assertThat(builtIn.toConfig()).isEqualTo(shipped.toConfig());
  }

  @Test
  void noFreshAugmentationKeepsTheSameCopiesEveryEpoch() {
    TrainingOptions options = new TrainingOptions();
    new CommandLine(options).parseArgs("--no-fresh-augmentation", "--augment-copies", "8");
    assertThat(options.toConfig().copyOffset(3)).isZero();
    TrainingOptions fresh = new TrainingOptions();
    new CommandLine(fresh).parseArgs("--augment-copies", "8");
    assertThat(fresh.toConfig().copyOffset(1)).isZero();
    assertThat(fresh.toConfig().copyOffset(3)).isEqualTo(16);
  }

  @Test
  void shippedConfFileNamesOnlyRealOptionsAndResolves() {
    TrainingOptions options = new TrainingOptions();
    CommandLine cmd = new CommandLine(options);
    ConfFileDefaults defaults = new ConfFileDefaults(shippedConf());
    cmd.setDefaultValueProvider(defaults);
    cmd.parseArgs("--epochs", "3");
    defaults.checkKeys(cmd);
    TrainingConfig config = options.toConfig();
    assertThat(config.epochs()).isEqualTo(3);
    assertThat(config.model()).isEqualTo(NetworkKind.VGG);
    assertThat(config.augmentCopies()).isEqualTo(1);
    assertThat(config.freshAugmentation()).isTrue();
    assertThat(config.lrSchedule()).isEqualTo(LearningRateSchedule.COSINE);
    assertThat(config.averagingFrequency()).isEqualTo(10);
    assertThat(config.testFraction()).isEqualTo(0.4);
  }
}
