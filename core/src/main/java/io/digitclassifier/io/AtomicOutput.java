package io.digitclassifier.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An output directory that appears whole or not at all: everything is written into a sibling work directory
 * ({@code .NAME.inprogress}) that is renamed onto {@code NAME} when the job succeeds. An existing target is
 * refused unless overwriting was asked for.
 */
public final class AtomicOutput {
  private final Path target;
  private final Path work;

  private AtomicOutput(Path target) {
    this.target = target.toAbsolutePath().normalize();
    this.work = this.target.resolveSibling("." + this.target.getFileName() + ".inprogress");
  }

  /**
   * Prepares the work directory. With {@code keepWork} an existing work directory (a run to resume) is kept;
   * otherwise a stale one is removed.
   *
   * @throws IllegalArgumentException when the target exists and neither overwrite nor resume allows it
   */
  public static AtomicOutput begin(Path target, boolean overwrite, boolean keepWork) {
    AtomicOutput out = new AtomicOutput(target);
    if (Files.exists(out.target) && !overwrite && !keepWork) {
      throw new IllegalArgumentException("Cannot write to " + out.target
          + ": it already exists; pass --overwrite to replace it");
    }
    try {
      if (!keepWork) deleteRecursively(out.work);
      Files.createDirectories(out.work);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + out.work + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The directory to write into until {@link #commit()}. */
  public Path work() {
    return work;
  }

  public Path target() {
    return target;
  }

  /** Moves the finished work directory onto the target, replacing an old one. */
  public void commit() {
    Path old = target.resolveSibling("." + target.getFileName() + ".old");
    try {
      deleteRecursively(old);
      if (Files.exists(target)) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(old);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move " + work + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Removes the work directory after a failure, so nothing half-written is left. */
  public void abort() {
    try {
      deleteRecursively(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(q);
      }
    }
  }
}
