package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per output: a second run is refused naming the first; a dead run's lease is taken
 * over.
 */
class OutputLockTest {
  @TempDir Path dir;

  private String target() {
    return dir.resolve("out").toUri().toString();
  }

  @Test
  void aSecondRunIntoAnOutputBeingWrittenFailsAtOnceNamingTheFirst() throws Exception {
    AtomicOutput first =
        AtomicOutput.begin(target(), new Configuration(), true, false, "scoring app-1 on host-a");
    assertThatThrownBy(
            () ->
                AtomicOutput.begin(
                    target(), new Configuration(), true, false, "scoring app-2 on host-b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot write to "
                + dir.resolve("out")
                + ": another run is writing it: scoring app-1 "
                + "on host-a (lease "
                + dir.resolve(".out.lock")
                + ", renewed 0 s ago)");
    // the refused run touched nothing of the first's
    Files.writeString(first.local().resolve("part-0"), "rows");
    first.commit();
    assertThat(dir.resolve("out/part-0")).hasContent("rows");
    assertThat(dir.resolve(".out.lock")).doesNotExist();
    // once committed, the next run may write
    AtomicOutput next =
        AtomicOutput.begin(target(), new Configuration(), true, false, "scoring app-3");
    next.abort();
    assertThat(dir.resolve(".out.lock")).doesNotExist();
    assertThat(dir.resolve("out/part-0"))
        .as("a failed --overwrite leaves the old output")
        .hasContent("rows");
  }

  @Test
  void aLeaseADeadRunLeftIsTakenOver() throws Exception {
    Path lock = dir.resolve(".out.lock");
    Files.writeString(lock, "training app-0 on host-z (pid 1), started 2026-01-01T00:00:00Z");
    Files.setLastModifiedTime(
        lock,
        java.nio.file.attribute.FileTime.fromMillis(
            System.currentTimeMillis() - OutputLock.EXPIRY_MS - 5_000));
    AtomicOutput out =
        AtomicOutput.begin(target(), new Configuration(), true, false, "training app-1");
    assertThat(Files.readString(lock)).isEqualTo("training app-1");
    out.abort();
  }

  @Test
  void aLeaseOfAProcessGoneFromThisHostIsTakenOverAtOnce() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path lock = dir.resolve(".out.lock");
    Files.writeString(
        lock,
        "training app-9 on "
            + java.net.InetAddress.getLocalHost().getHostName()
            + " (pid "
            + gone.pid()
            + "), started now");
    AtomicOutput out =
        AtomicOutput.begin(target(), new Configuration(), true, false, "training app-10");
    assertThat(Files.readString(lock)).isEqualTo("training app-10");
    out.abort();
    // a live holder on this host keeps it
    Files.writeString(lock, OutputLock.describe("training app-11"));
    assertThat(OutputLock.deadOnThisHost(Files.readString(lock))).isNull();
  }

  @Test
  void aRefusedRunReleasesTheLeaseItTook() {
    String t = target();
    assertThatThrownBy(
            () -> {
              AtomicOutput.begin(t, new Configuration(), true, false, "a").commit();
              AtomicOutput.begin(t, new Configuration(), false, false, "b");
            })
        .hasMessageContaining("it already exists; pass --overwrite");
    assertThat(dir.resolve(".out.lock")).doesNotExist();
  }
}
