package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.digitclassifier.config.ConfFileDefaults;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.ml.fit.LearningRateSchedule;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.storage.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class TrainingOptionsTest {

  private static Path shippedConf() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conf/training.properties")))
        return p.resolve("conf/training.properties");
    }
    throw new IllegalStateException("conf/training.properties not found");
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    CommandLine cmd = new TrainingConfig().commandLine();
    String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (OptionSpec o : cmd.getCommandSpec().options()) {
      assertThat(help)
          .contains(o.negatable() ? "--[no-]" + o.longestName().substring(2) : o.longestName());
      // flags (arity 0) show no default; every option that takes a value does
      if (o.defaultValue() != null && o.arity().max() > 0)
        assertThat(help).contains("Default: " + o.defaultValue());
    }
  }

  @Test
  void docsTableIsTheDeclaredOptions() {
    io.digitclassifier.ReadmeOptions.assertTableMatches(
        new TrainingConfig(), "docs/training.md", "## The command and its options");
  }

  @Test
  void optionsPageIsGeneratedFromTheDeclarations() {
    io.digitclassifier.OptionsDoc.assertSectionMatches("bin/train", new TrainingConfig());
  }

  @Test
  void builtInDefaultsAreTheShippedRecipe() {
    TrainingConfig builtIn = TrainingConfig.parse();
    TrainingConfig shipped = new TrainingConfig();
    CommandLine cmd = shipped.commandLine();
    cmd.setDefaultValueProvider(new ConfFileDefaults(shippedConf()));
    cmd.parseArgs();
    assertThat(builtIn).isEqualTo(shipped);
  }

  @Test
  void noFreshAugmentationKeepsTheSameCopiesEveryEpoch() {
    assertThat(
            TrainingConfig.parse("--no-fresh-augmentation", "--augment-copies", "8")
                .fitSettings()
                .copyOffset(3))
        .isZero();
    TrainingConfig fresh = TrainingConfig.parse("--augment-copies", "8");
    assertThat(fresh.fitSettings().copyOffset(1)).isZero();
    assertThat(fresh.fitSettings().copyOffset(3)).isEqualTo(16);
  }

  @Test
  void shippedConfFileNamesOnlyRealOptionsAndResolves() {
    TrainingConfig config = new TrainingConfig();
    CommandLine cmd = config.commandLine();
    ConfFileDefaults defaults = new ConfFileDefaults(shippedConf());
    cmd.setDefaultValueProvider(defaults);
    cmd.parseArgs("--epochs", "3");
    defaults.checkKeys(cmd);
    config.validate();
    assertThat(config.epochs()).isEqualTo(3);
    assertThat(config.model()).isEqualTo(NetworkKind.VGG);
    assertThat(config.augmentCopies()).isEqualTo(1);
    assertThat(config.freshAugmentation()).isTrue();
    assertThat(config.lrSchedule()).isEqualTo(LearningRateSchedule.COSINE);
    assertThat(config.averagingFrequency()).isEqualTo(10);
    assertThat(config.testFraction()).isEqualTo(0.4);
  }

  @Test
  void enumOptionsTakeAnyCaseAndRangesAreChecked() {
    TrainingConfig config =
        TrainingConfig.parse(
            "--model", "LeNet", "--data-format", "CSV", "--lr-schedule", "exponential");
    assertThat(config.model()).isEqualTo(NetworkKind.LENET);
    assertThat(config.dataFormat()).isEqualTo(DataFormat.CSV);
    assertThat(config.lrSchedule()).isEqualTo(LearningRateSchedule.EXPONENTIAL);
    assertThatThrownBy(() -> TrainingConfig.parse("--model", "resnet"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid value for option '--model': Unknown network 'resnet' (expected one of seed, lenet, vgg)");
    assertThatThrownBy(() -> TrainingConfig.parse("--overwrite", "--resume"))
        .hasMessage("Cannot train: --overwrite and --resume exclude each other");
  }

  @Test
  void metricsJsonKeysAreTheFieldNames() {
    Map<String, Object> json =
        Json.MAPPER.convertValue(
            TrainingConfig.parse("--model", "lenet", "--epochs", "3"),
            new TypeReference<Map<String, Object>>() {});
    assertThat(json)
        .containsEntry("model", "lenet")
        .containsEntry("epochs", 3)
        .containsEntry("lrSchedule", "cosine")
        .containsKeys("data", "testData", "dataFormat", "freshAugmentation", "evalBatchSize")
        .hasSize(25);
  }

  @Test
  void theScheduleOptionTakesCliNamesInAnyCaseAndNamesTheChoicesOnError() {
    assertThat(TrainingConfig.parse("--lr-schedule", "Cosine").lrSchedule())
        .isEqualTo(LearningRateSchedule.COSINE);
    assertThatThrownBy(() -> TrainingConfig.parse("--lr-schedule", "linear"))
        .hasMessageContaining("'linear'")
        .hasMessageContaining("CONSTANT, COSINE, EXPONENTIAL");
  }

  @Test
  void theSparkMlEstimatorsDefaultsAreTheJobs() {
    assertThat(new io.digitclassifier.ml.DigitClassifier().fitSettings())
        .isEqualTo(TrainingConfig.parse().fitSettings())
        .isEqualTo(io.digitclassifier.ml.fit.FitSettings.DEFAULTS);
  }
}
