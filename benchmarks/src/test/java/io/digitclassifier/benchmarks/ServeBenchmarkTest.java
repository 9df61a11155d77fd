package io.digitclassifier.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServeBenchmarkTest {

  @Test
  void percentilesAreNearestRank() {
    double[] sorted = new double[100];
    for (int i = 0; i < 100; i++) sorted[i] = i + 1;
    assertThat(ServeBenchmark.percentile(sorted, 50)).isEqualTo(50);
    assertThat(ServeBenchmark.percentile(sorted, 99)).isEqualTo(99);
    assertThat(ServeBenchmark.percentile(new double[] {3}, 90)).isEqualTo(3);
  }
}
