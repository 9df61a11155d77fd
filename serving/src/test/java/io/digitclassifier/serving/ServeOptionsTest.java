package io.digitclassifier.serving;

import io.digitclassifier.ReadmeOptions;
import org.junit.jupiter.api.Test;

class ServeOptionsTest {
  @Test
  void docsTableIsTheDeclaredOptions() {
    ReadmeOptions.assertTableMatches(new ServeConfig(), "docs/serving.md", "## Canvas");
  }

  @Test
  void optionsPageIsGeneratedFromTheDeclarations() {
    io.digitclassifier.OptionsDoc.assertSectionMatches("bin/serve", new ServeConfig());
  }
}
