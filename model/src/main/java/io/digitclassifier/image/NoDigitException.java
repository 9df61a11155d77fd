package io.digitclassifier.image;

/**
 * An image that decodes but shows no digit: a blank page, ruled or squared paper alone, grain and
 * shadows. Its message starts with {@code no ink found} or {@code no digit found} and says what was
 * seen instead.
 */
public class NoDigitException extends ImageDecodeException {
  private static final long serialVersionUID = 1L;

  public NoDigitException(String reason) {
    super(reason);
  }
}
