package io.digitclassifier.net;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The networks a user can train, by their {@code --model} name. */
public enum NetworkKind {
  /** The original Keras app's three-branch CNN (3.5M parameters). */
  SEED,
  /** Caffe-style LeNet (0.43M parameters): small and fast. */
  LENET,
  /**
   * A small VGG-style net with batch normalisation: two blocks of two 3x3 convolutions (0.87M
   * parameters).
   */
  VGG;

  @JsonValue
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
