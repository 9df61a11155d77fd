package io.digitclassifier.ml.fit;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Adam's learning rate per epoch. The job sets it on the driver's network before each epoch;
 * dl4j-spark ships the network's configuration to the workers with every fit, so all workers use
 * that epoch's rate.
 */
public enum LearningRateSchedule {
  /** The same rate every epoch. */
  CONSTANT,
  /** Half a cosine from the base rate in epoch 1 towards zero after the last epoch. */
  COSINE,
  /** The base rate times {@code decay^(epoch - 1)}. */
  EXPONENTIAL;

  /** The rate of {@code epoch} (1-based) of {@code epochs}. */
  public double rate(double base, int epoch, int epochs, double decay) {
    return switch (this) {
      case CONSTANT -> base;
      case COSINE -> base * 0.5 * (1 + Math.cos(Math.PI * (epoch - 1) / epochs));
      case EXPONENTIAL -> base * Math.pow(decay, epoch - 1);
    };
  }

  @JsonValue
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
