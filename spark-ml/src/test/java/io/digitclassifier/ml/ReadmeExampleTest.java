package io.digitclassifier.ml;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * README's "From your Spark code" block is the example the tests run, line for line (indentation
 * aside).
 */
class ReadmeExampleTest {
  @Test
  void theReadmeShowsTheExampleTheTestsRun() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) root = root.getParent();
    String example =
        Files.readString(
            root.resolve(
                "spark-ml/src/test/java/io/digitclassifier/ml/example/DigitsPipelineExample.java"));
    String block =
        example.substring(
            example.indexOf("// README:begin\n") + "// README:begin\n".length(),
            example.indexOf("    // README:end"));
    String expected =
        block
            .lines()
            .map(l -> l.startsWith("    ") ? l.substring(4) : l)
            .collect(Collectors.joining("\n"));
    assertThat(expected).contains("new DigitClassifier()").contains("PipelineModel.load");
    assertThat(Files.readString(root.resolve("README.md")))
        .contains("```java\n" + expected + "\n```");
  }
}
