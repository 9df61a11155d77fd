package io.digitclassifier.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;

/**
 * An output directory that a reader sees whole or not at all, on any Hadoop filesystem; its contract per
 * filesystem:
 * <ul>
 *   <li>Filesystems that rename a directory atomically (HDFS, local disks): everything is written into a sibling
 *       work directory, {@code .NAME.inprogress}, renamed onto {@code NAME} when the job succeeds. During the
 *       write and after a crash a reader sees the old output or none, never a partial one.
 *   <li>Object stores (S3 through s3a, and the like), which have no rename: the job writes in place and writes
 *       {@value #SUCCESS} last. An output without that marker is incomplete (being written, or a crash's leftover);
 *       the project's readers of a model refuse it, and a scheduler waits for the marker as it does for Spark's.
 *       With overwrite the old output is deleted first, so a reader never mixes old and new files.
 * </ul>
 * Spark writes its part files straight into {@link #work()}. The job's own files (model, metrics, reports) are
 * written with java.nio into {@link #local()}: the work directory itself on a local disk, otherwise a local staging
 * directory whose files {@link #publish(String)} and {@link #commit()} copy up.
 */
public final class AtomicOutput {
  /** The completion marker, written last (Spark's committers write the same name). */
  public static final String SUCCESS = "_SUCCESS";

  private final Configuration conf;
  private final FileSystem fs;
  private final Path target;
  private final Path work;
  private final boolean inPlace;
  private final java.nio.file.Path local;

  private AtomicOutput(Path target, Configuration conf) throws IOException {
    this.conf = conf;
    this.target = target;
    this.fs = Storage.fs(target, conf);
    this.inPlace = !Storage.renamesAtomically(target);
    this.work = inPlace ? target : new Path(target.getParent(), "." + target.getName() + ".inprogress");
    this.local = "file".equals(work.toUri().getScheme()) ? java.nio.file.Path.of(work.toUri())
        : Files.createTempDirectory("digitclassifier-" + target.getName() + "-");
  }

  /** {@link #begin(String, Configuration, boolean, boolean)} for a local directory. */
  public static AtomicOutput begin(java.nio.file.Path target, boolean overwrite, boolean keepWork) {
    return begin(target.toAbsolutePath().normalize().toUri().toString(), new Configuration(), overwrite, keepWork);
  }

  /**
   * Prepares the work directory. With {@code keepWork} an existing work directory (a run to resume) is kept and, on
   * a remote filesystem, copied into {@link #local()}; otherwise a stale one is removed.
   *
   * @throws IllegalArgumentException when the target exists and neither overwrite nor resume allows it
   */
  public static AtomicOutput begin(String target, Configuration conf, boolean overwrite, boolean keepWork) {
    Path t = Storage.qualify(target, conf);
    AtomicOutput out;
    try {
      out = new AtomicOutput(t, conf);
    } catch (IOException e) {
      throw new StorageException("Cannot prepare " + target + ": " + Storage.oneLine(e), e);
    }
    String shown = Storage.display(t);
    try {
      if (out.fs.exists(t) && !overwrite && !keepWork) {
        throw new IllegalArgumentException("Cannot write to " + shown + ": it already exists; pass --overwrite to "
            + "replace it");
      }
      if (out.inPlace) {
        if (overwrite) out.fs.delete(t, true); // a reader must never mix old files with new ones
        else out.fs.delete(new Path(t, SUCCESS), false); // resuming: incomplete until the next commit
      } else if (!keepWork) {
        out.fs.delete(out.work, true);
      }
      out.fs.mkdirs(out.work);
      if (keepWork) out.download();
    } catch (IOException e) {
      throw new StorageException("Cannot create " + Storage.display(out.work) + ": " + Storage.oneLine(e), e);
    }
    return out;
  }

  /** Where Spark writes its part files until {@link #commit()}: on the target's filesystem. */
  public Path work() {
    return work;
  }

  /** {@code work()/relative} as a URI string, for Spark's writers and readers. */
  public String work(String relative) {
    return new Path(work, relative).toString();
  }

  /** A local directory for the job's own files (java.nio); published by {@link #publish} and {@link #commit}. */
  public java.nio.file.Path local() {
    return local;
  }

  public Path target() {
    return target;
  }

  public FileSystem fileSystem() {
    return fs;
  }

  /** Copies {@code local()/relative} (a file or directory) into the work directory now, replacing what was there. */
  public void publish(String relative) {
    if (isLocal()) return;
    java.nio.file.Path from = local.resolve(relative);
    Path to = new Path(work, relative);
    try {
      if (Files.isDirectory(from)) {
        try (Stream<java.nio.file.Path> files = Files.walk(from)) {
          for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
            upload(f, new Path(work, local.relativize(f).toString()));
          }
        }
      } else if (Files.isRegularFile(from)) {
        upload(from, to);
      }
    } catch (IOException e) {
      throw new StorageException("Cannot write " + Storage.display(to) + ": " + Storage.oneLine(e), e);
    }
  }

  /**
   * One file, streamed: not {@code FileSystem.copyFromLocalFile}, whose S3A version (3.3.4) waits on its own
   * thread pool and was seen to hang for minutes on a small file.
   */
  private void upload(java.nio.file.Path from, Path to) throws IOException {
    try (var out = fs.create(to, true)) {
      Files.copy(from, out);
    }
  }

  /**
   * Publishes what is left in {@link #local()}, marks the output complete and, where the filesystem renames,
   * moves it onto the target (replacing an old one).
   */
  public void commit() {
    try {
      if (!isLocal()) {
        try (Stream<java.nio.file.Path> entries = Files.list(local)) {
          for (java.nio.file.Path e : (Iterable<java.nio.file.Path>) entries::iterator) {
            publish(local.relativize(e).toString());
          }
        }
      }
      fs.create(new Path(work, SUCCESS), true).close();
      if (!inPlace) {
        Path old = new Path(target.getParent(), "." + target.getName() + ".old");
        fs.delete(old, true);
        if (fs.exists(target) && !fs.rename(target, old)) throw new IOException("cannot move the old output aside");
        if (!fs.rename(work, target)) throw new IOException("rename failed");
        fs.delete(old, true);
      }
      if (!isLocal()) LocalFiles.deleteRecursively(local);
    } catch (IOException e) {
      throw new StorageException("Cannot move " + Storage.display(work) + " to " + Storage.display(target) + ": "
          + Storage.oneLine(e), e);
    }
  }

  /** Removes the work directory (in place: the output) after a failure, so nothing half-written is left. */
  public void abort() {
    try {
      fs.delete(work, true);
      if (!isLocal()) LocalFiles.deleteRecursively(local);
    } catch (IOException e) {
      throw new StorageException("Cannot remove " + Storage.display(work) + ": " + Storage.oneLine(e), e);
    }
  }

  /** Copies the work directory's files into {@link #local()} (a run being resumed). */
  private void download() throws IOException {
    if (isLocal() || !fs.exists(work)) return;
    for (FileStatus f : fs.listStatus(work)) {
      FileUtil.copy(fs, f.getPath(), local.resolve(f.getPath().getName()).toFile(), false, conf);
    }
  }

  /**
   * Copies a finished output's files into the work directory, to resume from its checkpoints; a no-op in place,
   * where the work directory is the output.
   */
  public void copyTargetIntoWork() {
    if (inPlace) return;
    try {
      for (FileStatus f : fs.listStatus(target)) {
        if (f.getPath().getName().equals(SUCCESS)) continue;
        FileUtil.copy(fs, f.getPath(), fs, new Path(work, f.getPath().getName()), false, true, conf);
      }
      download();
    } catch (IOException e) {
      throw new StorageException("Cannot resume from " + Storage.display(target) + ": " + Storage.oneLine(e), e);
    }
  }

  private boolean isLocal() {
    return "file".equals(work.toUri().getScheme());
  }
}
