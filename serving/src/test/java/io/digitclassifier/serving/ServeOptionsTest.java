package io.digitclassifier.serving;

import io.digitclassifier.ReadmeOptions;
import org.junit.jupiter.api.Test;

class ServeOptionsTest {
  @Test
  void readmeTableIsTheDeclaredOptions() {
    ReadmeOptions.assertTableMatches(new ServeConfig(), "## Canvas");
  }
}
