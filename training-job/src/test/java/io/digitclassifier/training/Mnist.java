package io.digitclassifier.training;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real MNIST that bin/fetch-mnist leaves in the project's data/mnist (.ci/run fetches it first). */
final class Mnist {
  private Mnist() {}

  static Path dir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("data/mnist");
      if (Files.isRegularFile(candidate.resolve("train-images-idx3-ubyte"))) return candidate;
      if (Files.isRegularFile(p.resolve("mvnw"))) break;
    }
    throw new IllegalStateException("MNIST is not in data/mnist: run bin/fetch-mnist first (.ci/run does)");
  }
}
