package io.digitclassifier.image;

/**
 * An image that cannot be turned into a digit; the message is a short reason such as {@code not an
 * image}, {@code empty file}, {@code truncated or corrupt PNG (...)} or {@code no ink found (blank
 * image)}.
 *
 * <p>An {@link IllegalArgumentException} because the caller passed bad input: a web endpoint
 * answers 400 with the message, a reader wraps it in its own "Cannot read FILE: reason" message.
 */
public class ImageDecodeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ImageDecodeException(String reason) {
    super(reason);
  }

  public ImageDecodeException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
