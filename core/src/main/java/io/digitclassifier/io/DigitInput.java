package io.digitclassifier.io;

import java.io.Serializable;

/**
 * What to read: a path and, for MNIST IDX, the labels file beside the images file (null when
 * unlabelled).
 *
 * @param path the file or directory to read
 * @param labelsPath IDX only: the labels file, or null
 * @param partitions how many partitions to read into (a hint; 0 lets the reader choose)
 */
public record DigitInput(String path, String labelsPath, int partitions) implements Serializable {
  public static DigitInput of(String path) {
    return new DigitInput(path, null, 0);
  }
}
