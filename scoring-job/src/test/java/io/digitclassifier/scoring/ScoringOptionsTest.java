package io.digitclassifier.scoring;

import io.digitclassifier.ReadmeOptions;
import org.junit.jupiter.api.Test;

class ScoringOptionsTest {
  @Test
  void readmeTableIsTheDeclaredOptions() {
    ReadmeOptions.assertTableMatches(new ScoringOptions(), "## Scoring");
  }
}
