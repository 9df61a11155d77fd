package io.digitclassifier.data;

/**
 * Input that cannot be read. The message always names the file, where in it (line, row or byte
 * offset), the column where there is one, the value found and what was expected, and reads "Cannot
 * read ...: ...".
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The first BadInputException in a chain of causes (Spark wraps task failures), or null. */
  public static BadInputException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BadInputException) return (BadInputException) c;
      if (c.getCause() == c) break;
    }
    return null;
  }
}
