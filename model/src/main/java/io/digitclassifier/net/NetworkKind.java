package io.digitclassifier.net;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The networks a user can train, by their {@code --model} name. */
public enum NetworkKind {
  /**
   * The original Keras app's three-branch CNN (3.5M parameters), {@code --model seed}: the net this
   * project grew from (its seed), not to be confused with the random {@code --seed}.
   */
  THREE_BRANCH("seed"),
  /** Caffe-style LeNet (0.43M parameters): small and fast. */
  LENET("lenet"),
  /**
   * A small VGG-style net with batch normalisation: two blocks of two 3x3 convolutions (0.87M
   * parameters).
   */
  VGG("vgg");

  private final String cliName;

  NetworkKind(String cliName) {
    this.cliName = cliName;
  }

  /** The name users write ({@code --model}, metrics.json, Spark ML's {@code network} param). */
  @JsonValue
  public String cliName() {
    return cliName;
  }

  @Override
  public String toString() {
    return cliName;
  }

  /** The network named {@code name} (any case), or an error listing the names there are. */
  public static NetworkKind fromCliName(String name) {
    for (NetworkKind kind : values()) if (kind.cliName.equalsIgnoreCase(name)) return kind;
    throw new IllegalArgumentException(
        "Unknown network '"
            + name
            + "' (expected one of "
            + Arrays.stream(values()).map(NetworkKind::cliName).collect(Collectors.joining(", "))
            + ")");
  }
}
