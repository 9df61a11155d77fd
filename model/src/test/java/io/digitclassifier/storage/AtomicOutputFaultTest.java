package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A JVM killed at each step of a commit on the local disk (the same renames as on HDFS): what a
 * reader sees right after, and what the next run makes of it. The writer is a child JVM halted at
 * the step by {@code -Ddigitclassifier.test.haltAt} ({@link AtomicOutput}'s test-only kill points).
 */
class AtomicOutputFaultTest {
  @TempDir Path dir;

  /**
   * The child: replaces {@code args[0]}'s output ("old") with one whose part file says "new", and
   * commits.
   */
  public static void main(String[] args) {
    AtomicOutput out =
        AtomicOutput.begin(args[0], new Configuration(), true, false, "fault test writer");
    try {
      Files.writeString(out.local().resolve("part-0"), "new");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    out.commit();
  }

  @ParameterizedTest
  @ValueSource(strings = {"locked", "marked", "renamed-old", "renamed-new"})
  void aKillInsideCommitLeavesAReadableOutputAndTheNextRunRecovers(String point) throws Exception {
    Path target = dir.resolve("out");
    String uri = target.toUri().toString();
    AtomicOutput first = AtomicOutput.begin(uri, new Configuration(), false, false, "first");
    Files.writeString(first.local().resolve("part-0"), "old");
    first.commit();

    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    javaBin,
                    "-cp",
                    System.getProperty("java.class.path"),
                    "-Ddigitclassifier.test.haltAt=" + point,
                    AtomicOutputFaultTest.class.getName(),
                    uri))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isEqualTo(137);

    // right after the kill: before the renames the old output is in place; between them it is in
    // .out.old; after
    // the second, the new one is in place
    if (point.equals("locked") || point.equals("marked")) {
      assertThat(target.resolve("part-0")).hasContent("old");
      assertThat(target.resolve(AtomicOutput.SUCCESS)).exists();
    } else if (point.equals("renamed-old")) {
      assertThat(target).doesNotExist();
      assertThat(dir.resolve(".out.old/part-0")).hasContent("old");
    } else {
      assertThat(target.resolve("part-0")).hasContent("new");
      assertThat(target.resolve(AtomicOutput.SUCCESS)).exists();
    }
    // the dead writer's lease is still there, renewed no more: age it past the expiry as time would
    Path lock = dir.resolve(".out.lock");
    assertThat(lock).exists();
    Files.setLastModifiedTime(
        lock,
        java.nio.file.attribute.FileTime.fromMillis(
            System.currentTimeMillis() - OutputLock.EXPIRY_MS - 1_000));

    // the next run puts the old output back (or keeps the new one), then fails: the output is whole
    // either way
    AtomicOutput next = AtomicOutput.begin(uri, new Configuration(), true, false, "next");
    next.abort();
    assertThat(target.resolve("part-0")).hasContent(point.equals("renamed-new") ? "new" : "old");
    assertThat(target.resolve(AtomicOutput.SUCCESS)).exists();
    assertThat(dir.resolve(".out.old")).doesNotExist();
    assertThat(lock).doesNotExist();
  }
}
