package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory's hash covers every file Spark reads in it, at any depth, and nothing Spark skips.
 */
class HashingTest {
  private static final Configuration CONF = new Configuration();

  private static Path write(Path file, String content) throws Exception {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  private static String sha256(String s) {
    return Hashing.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A Parquet input partitioned by two columns, as Spark writes it, with its markers and a job's
   * leftovers.
   */
  private static Path partitioned(Path root) throws Exception {
    write(root.resolve("_SUCCESS"), "");
    write(root.resolve("year=2024/label=3/part-00000.parquet"), "three");
    write(root.resolve("year=2024/label=7/part-00000.parquet"), "seven");
    write(root.resolve("year=2024/label=7/part-00001.parquet"), "seven again");
    write(root.resolve("year=2025/label=1/part-00000.parquet"), "one");
    // what Spark's reader skips: checksums, markers, a job's hidden or underscore work directories
    write(root.resolve("year=2024/label=3/.part-00000.parquet.crc"), "crc");
    write(root.resolve("_temporary/0/part-00009.parquet"), "half-written");
    write(root.resolve(".scored.inprogress/part-00000.parquet"), "another run's");
    write(root.resolve("year=2024/_summary.json"), "{}");
    write(root.resolve("year=2025/label=1/part-00002.parquet._COPYING_"), "being copied");
    return root;
  }

  @Test
  void aDirectorysHashIsItsManifestOfEveryFileAtAnyDepth(@TempDir Path dir) throws Exception {
    Path root = partitioned(dir.resolve("digits.parquet"));
    String manifest = Hashing.manifest(root.toString(), CONF);
    assertThat(manifest)
        .isEqualTo(
            "year=2024/label=3/part-00000.parquet\t5\t"
                + sha256("three")
                + "\n"
                + "year=2024/label=7/part-00000.parquet\t5\t"
                + sha256("seven")
                + "\n"
                + "year=2024/label=7/part-00001.parquet\t11\t"
                + sha256("seven again")
                + "\n"
                + "year=2025/label=1/part-00000.parquet\t3\t"
                + sha256("one")
                + "\n");
    Hashing.Content content = Hashing.content(root.toString(), CONF);
    assertThat(content.files()).isEqualTo(4);
    assertThat(content.sha256())
        .isEqualTo(sha256(manifest))
        // not the empty file's hash (the top level holds _SUCCESS only), which is what it used to
        // record
        .isNotEqualTo(sha256(""));
    assertThat(Hashing.sha256(root.toUri().toString(), CONF)).isEqualTo(content.sha256());
  }

  @Test
  void changingAFileTwoLevelsDownOrMovingOneChangesTheHashAndSkippedFilesDoNot(@TempDir Path dir)
      throws Exception {
    Path root = partitioned(dir.resolve("digits.parquet"));
    String before = Hashing.sha256(root.toString(), CONF);

    write(root.resolve("year=2024/label=3/.part-00000.parquet.crc"), "other crc");
    write(root.resolve("_temporary/0/part-00010.parquet"), "more");
    write(root.resolve("_SUCCESS"), "marker with content");
    assertThat(Hashing.sha256(root.toString(), CONF)).as("files Spark skips").isEqualTo(before);

    write(root.resolve("year=2024/label=7/part-00001.parquet"), "seven agaiN");
    String changed = Hashing.sha256(root.toString(), CONF);
    assertThat(changed).as("a byte changed two levels down").isNotEqualTo(before);

    write(root.resolve("year=2024/label=7/part-00001.parquet"), "seven again");
    assertThat(Hashing.sha256(root.toString(), CONF)).isEqualTo(before);
    Files.move(
        root.resolve("year=2024/label=7/part-00001.parquet"),
        Files.createDirectories(root.resolve("year=2024/label=8")).resolve("part-00001.parquet"));
    assertThat(Hashing.sha256(root.toString(), CONF))
        .as("the same bytes under another label")
        .isNotEqualTo(before);
  }

  @Test
  void aFileIsItsOwnSha256AndCountsOne(@TempDir Path dir) throws Exception {
    Path file = write(dir.resolve("train.csv"), "label,pixel0\n3,0\n");
    Hashing.Content content = Hashing.content(file.toString(), CONF);
    assertThat(content.sha256()).isEqualTo(sha256("label,pixel0\n3,0\n"));
    assertThat(content.files()).isEqualTo(1);
  }

  @Test
  void sparksRuleForSkippedNames() {
    assertThat(Hashing.skippedBySpark("_SUCCESS")).isTrue();
    assertThat(Hashing.skippedBySpark(".part-0.crc")).isTrue();
    assertThat(Hashing.skippedBySpark("part-0.parquet._COPYING_")).isTrue();
    assertThat(Hashing.skippedBySpark("_col=1")).isFalse();
    assertThat(Hashing.skippedBySpark("_metadata")).isFalse();
    assertThat(Hashing.skippedBySpark("part-00000.parquet")).isFalse();
  }
}
