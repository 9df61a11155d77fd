package io.digitclassifier.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Local-disk helpers on the JDK alone (the cluster tests use them without core's Hadoop and Spark).
 */
public final class LocalFiles {
  private LocalFiles() {}

  /**
   * Writes a local file whole or not at all: {@code body} writes a hidden temporary sibling ({@code
   * .NAME.tmp}, which Spark's and Hadoop's readers skip), which is then moved onto {@code file}
   * atomically; on failure the temporary file is removed. The one "write, then rename" for local
   * files ({@link Storage#writeAtomically} is its counterpart on any Hadoop filesystem).
   */
  public static void writeAtomically(Path file, Storage.IoConsumer<Path> body) {
    Path parent = file.toAbsolutePath().getParent();
    Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
    try {
      Files.createDirectories(parent);
      body.accept(tmp);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the original failure is what matters
      }
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@link #writeAtomically(Path, Storage.IoConsumer)} for bytes in memory. */
  public static void writeAtomically(Path file, byte[] bytes) {
    writeAtomically(file, tmp -> Files.write(tmp, bytes));
  }

  /** Deletes a file or a directory tree; nothing when it does not exist. */
  public static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(q);
      }
    }
  }
}
