package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  @TempDir Path dir;

  @Test
  void appearsOnlyOnCommit() throws Exception {
    Path target = dir.resolve("out");
    AtomicOutput out = AtomicOutput.begin(target, false, false);
    Files.writeString(out.local().resolve("a.txt"), "a");
    assertThat(target).doesNotExist();
    out.commit();
    assertThat(target.resolve("a.txt")).hasContent("a");
    assertThat(target.resolve(AtomicOutput.SUCCESS))
        .as("the completion marker, written last")
        .exists();
    assertThat(out.local()).doesNotExist();
  }

  @Test
  void refusesAnExistingTargetWithoutOverwrite() throws Exception {
    Path target = Files.createDirectories(dir.resolve("out"));
    assertThatThrownBy(() -> AtomicOutput.begin(target, false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot write to " + target + ": it already exists; pass --overwrite to replace it");
  }

  @Test
  void overwriteReplacesTheOldContent() throws Exception {
    Path target = Files.createDirectories(dir.resolve("out"));
    Files.writeString(target.resolve("old.txt"), "old");
    AtomicOutput out = AtomicOutput.begin(target, true, false);
    Files.writeString(out.local().resolve("new.txt"), "new");
    assertThat(target.resolve("old.txt")).exists();
    out.commit();
    assertThat(target.resolve("old.txt")).doesNotExist();
    assertThat(target.resolve("new.txt")).hasContent("new");
  }

  @Test
  void abortLeavesNothingBehind() throws Exception {
    Path target = dir.resolve("out");
    AtomicOutput out = AtomicOutput.begin(target, false, false);
    Files.writeString(out.local().resolve("half.txt"), "x");
    out.abort();
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }
}
