package io.digitclassifier.benchmarks;

import io.digitclassifier.io.DigitInputs;

/** Where the benchmarks find MNIST. */
final class Mnist {
  private Mnist() {}

  /**
   * The IDX images file of MNIST's training ({@code train}) or test set in {@code dir}, or an error
   * saying how to fetch it.
   */
  static String images(String dir, boolean train) {
    return DigitInputs.mnistImages(dir, train)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "Cannot benchmark: no MNIST in " + dir + "; run bin/fetch-mnist"));
  }
}
