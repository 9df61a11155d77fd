package io.digitclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.storage.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CommandOptionsTest {

  @Command(name = "job")
  static final class Job extends CommandOptions {
    private static final long serialVersionUID = 1L;

    @Option(names = "--epochs", defaultValue = "2")
    private int epochs;

    @Option(names = "--model", defaultValue = "lenet")
    private NetworkKind model;

    @Option(names = "--output")
    private String output;

    @Override
    public void validate() {
      if (epochs < 1)
        throw new IllegalArgumentException("Cannot run: --epochs must be >= 1, got " + epochs);
    }
  }

  @Test
  void parsesOverBuiltInDefaultsWithEnumsInAnyCase() {
    Job job = CommandOptions.parse(new Job(), "--model", "VGG");
    assertThat(job.epochs).isEqualTo(2);
    assertThat(job.model).isEqualTo(NetworkKind.VGG);
    assertThat(job.output).isNull();
    // the three-branch net is named by its --model name, in any case, not by its constant
    assertThat(CommandOptions.parse(new Job(), "--model", "Seed").model)
        .isEqualTo(NetworkKind.THREE_BRANCH);
    assertThatThrownBy(() -> CommandOptions.parse(new Job(), "--model", "three_branch"))
        .hasMessageContaining("expected one of seed, lenet, vgg");
  }

  @Test
  void badUsageIsAnIllegalArgumentNamingTheOption() {
    assertThatThrownBy(() -> CommandOptions.parse(new Job(), "--epochs", "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot run: --epochs must be >= 1, got 0");
    assertThatThrownBy(() -> CommandOptions.parse(new Job(), "--epochs", "two"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'--epochs'")
        .hasMessageContaining("'two'");
    assertThatThrownBy(() -> CommandOptions.parse(new Job(), "--epoch", "3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown option")
        .hasMessageContaining("'--epoch'");
  }

  @Test
  void comparesPrintsAndWritesItsOptionValues() {
    Job a = CommandOptions.parse(new Job(), "--epochs", "3", "--output", "runs/x");
    Job b = CommandOptions.parse(new Job(), "--output", "runs/x", "--epochs", "3");
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(CommandOptions.parse(new Job()));
    assertThat(a).hasToString("Job[epochs=3, model=lenet, output=runs/x]");
    Map<String, Object> json =
        Json.MAPPER.convertValue(a, new TypeReference<Map<String, Object>>() {});
    assertThat(json)
        .containsExactly(
            Map.entry("epochs", 3), Map.entry("model", "lenet"), Map.entry("output", "runs/x"));
  }

  @Test
  void travelsToExecutorsAsItIs() throws Exception {
    Job a = CommandOptions.parse(new Job(), "--epochs", "5", "--model", "seed");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(a);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(a);
    }
  }
}
