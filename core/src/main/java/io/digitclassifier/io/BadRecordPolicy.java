package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;

/** What a reader does with a record it cannot parse. */
public enum BadRecordPolicy {
  /** Stop with a {@link BadInputException} naming the file, position, column and value. */
  FAIL,
  /**
   * Keep going: the record comes out with {@code error} set, for the caller to write under {@code
   * _rejected}.
   */
  QUARANTINE
}
