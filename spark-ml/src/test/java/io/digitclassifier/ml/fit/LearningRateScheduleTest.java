package io.digitclassifier.ml.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void cosineStartsAtTheBaseRateAndFallsTowardsZero() {
    LearningRateSchedule s = LearningRateSchedule.COSINE;
    assertThat(s.rate(0.002, 1, 4, 0.9)).isEqualTo(0.002);
    assertThat(s.rate(0.002, 3, 4, 0.9)).isCloseTo(0.001, within(1e-12));
    assertThat(s.rate(0.002, 4, 4, 0.9))
        .isCloseTo(0.002 * 0.5 * (1 + Math.cos(Math.PI * 3 / 4)), within(1e-12))
        .isLessThan(s.rate(0.002, 3, 4, 0.9))
        .isGreaterThan(0);
  }

  @Test
  void exponentialMultipliesByTheDecayEachEpoch() {
    assertThat(LearningRateSchedule.EXPONENTIAL.rate(0.01, 3, 10, 0.5))
        .isCloseTo(0.0025, within(1e-12));
    assertThat(LearningRateSchedule.CONSTANT.rate(0.01, 7, 10, 0.5)).isEqualTo(0.01);
  }
}
