package io.digitclassifier.storage;

import io.digitclassifier.data.BadInputException;

/**
 * A filesystem that cannot be reached or used: an unreachable NameNode or S3 endpoint, wrong
 * credentials, a bucket or path that does not exist, no permission. The message names the URI and
 * the cause on one line, "Cannot read ...: ..." or "Cannot write ...: ...", and the jobs print it
 * as they print bad input.
 */
public class StorageException extends BadInputException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
