package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.hadoop.fs.s3a.NoVersionAttributeException;
import org.junit.jupiter.api.Test;

/** One-line messages: a failure whose cause is a setting names the setting. */
class StorageTest {
  /** What S3A's ChangeTracker throws when the server's response has no ETag (Hadoop 3.3.4). */
  private static NoVersionAttributeException noEtag() {
    return new NoVersionAttributeException(
        "s3a://bucket/digits.csv", "Change detection policy requires ETag");
  }

  @Test
  void anS3ServerWithoutEtagsNamesTheSettingThatReadsWithoutThem() {
    IOException read = new IOException("read failed", noEtag());
    assertThat(Storage.oneLine(noEtag()))
        .isEqualTo(
            "`s3a://bucket/digits.csv': Change detection policy requires ETag; "
                + "the S3 server sends no ETags: set fs.s3a.change.detection.version.required=false (or "
                + "fs.s3a.change.detection.mode=none), for bin/train and bin/score with --conf "
                + "spark.hadoop.fs.s3a.change.detection.version.required=false");
    // found through the cause chain, and said once however often the message is wrapped
    String once = Storage.oneLine(read);
    assertThat(once)
        .startsWith(
            "read failed; the S3 server sends no ETags: set fs.s3a.change.detection.version.required=false");
    StorageException wrapped =
        new StorageException("Cannot read s3a://bucket/digits.csv: " + once, read);
    assertThat(Storage.oneLine(wrapped)).isEqualTo(wrapped.getMessage());
    assertThat(
            Storage.oneLine(new IllegalStateException("outer", wrapped))
                .split("fs.s3a.change.detection.version.required", -1))
        .hasSize(
            3); // "outer; ...required=false ... --conf spark.hadoop...required=false": one hint,
    // naming it twice
  }

  @Test
  void otherFailuresGetNoHint() {
    assertThat(Storage.hint(new IOException("Connection refused"))).isNull();
    assertThat(Storage.oneLine(new IOException("No such file\n  at somewhere")))
        .isEqualTo("No such file");
  }
}
