package io.digitclassifier.serving;

/** A request the server refuses: the HTTP status and a short message for the JSON answer. */
final class RequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String allow;

  RequestException(int status, String message) {
    this(status, message, null);
  }

  /** With {@code allow}, the methods for a 405's {@code Allow} header. */
  RequestException(int status, String message, String allow) {
    super(message, null, false, false);
    this.status = status;
    this.allow = allow;
  }

  int status() {
    return status;
  }

  String allow() {
    return allow;
  }
}
