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
 * An output directory that a reader sees whole or not at all, on any Hadoop filesystem; its
 * contract per filesystem:
 *
 * <ul>
 *   <li>Filesystems that rename a directory atomically (HDFS, local disks): everything is written
 *       into a sibling work directory, {@code .NAME.inprogress}, renamed onto {@code NAME} when the
 *       job succeeds. During the write and after a crash a reader sees the old output or none,
 *       never a partial one.
 *   <li>Object stores (S3 through s3a, and the like), which have no atomic rename: the job writes
 *       into the same sibling work prefix, so the old output stays whole and readable through every
 *       failed run; only at commit is the old output deleted and the new one moved (copied) into
 *       place, and {@value #SUCCESS} written last. An output without that marker is incomplete
 *       (being committed, or a crash's leftover); the project's readers of a model refuse it, and a
 *       scheduler waits for the marker as it does for Spark's.
 * </ul>
 *
 * A crash inside {@link #commit} on a renaming filesystem leaves the old output in {@code
 * .NAME.old} and the new one in the work directory: the next {@code begin} puts the old one back
 * (or, when the new one was already in place, drops the old), so a reader sees the old output or
 * the new one. One run at a time writes an output ({@link OutputLock}). Spark writes its part files
 * straight into {@link #work()}. The job's own files (model, metrics, reports) are written with
 * java.nio into {@link #local()}: the work directory itself on a local disk, otherwise a local
 * staging directory whose files {@link #publish(String)} and {@link #commit()} copy up.
 */
public final class AtomicOutput {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AtomicOutput.class);

  /** The completion marker, written last (Spark's committers write the same name). */
  public static final String SUCCESS = "_SUCCESS";

  private final Configuration conf;
  private final FileSystem fs;
  private final Path target;
  private final Path work;
  private final java.nio.file.Path local;
  private OutputLock lock;

  private AtomicOutput(Path target, Configuration conf) throws IOException {
    this.conf = conf;
    this.target = target;
    this.fs = Storage.fs(target, conf);
    this.work = new Path(target.getParent(), "." + target.getName() + ".inprogress");
    this.local =
        "file".equals(work.toUri().getScheme())
            ? java.nio.file.Path.of(work.toUri())
            : Files.createTempDirectory("digitclassifier-" + target.getName() + "-");
  }

  /** {@link #begin(String, Configuration, boolean, boolean)} for a local directory. */
  public static AtomicOutput begin(java.nio.file.Path target, boolean overwrite, boolean keepWork) {
    return begin(
        target.toAbsolutePath().normalize().toUri().toString(),
        new Configuration(),
        overwrite,
        keepWork);
  }

  /**
   * Prepares the work directory. With {@code keepWork} an existing work directory (a run to resume)
   * is kept and, on a remote filesystem, copied into {@link #local()}; otherwise a stale one is
   * removed.
   *
   * @throws IllegalArgumentException when the target exists and neither overwrite nor resume allows
   *     it
   */
  public static AtomicOutput begin(
      String target, Configuration conf, boolean overwrite, boolean keepWork) {
    return begin(target, conf, overwrite, keepWork, OutputLock.describe("a run"));
  }

  /**
   * {@link #begin(String, Configuration, boolean, boolean)} holding the output's lease ({@link
   * OutputLock}) for {@code holder} until {@link #commit}, {@link #abort} or {@link #release}: a
   * second run into the same output fails at once with an {@link IllegalStateException} naming this
   * one.
   */
  public static AtomicOutput begin(
      String target, Configuration conf, boolean overwrite, boolean keepWork, String holder) {
    Path t = Storage.qualify(target, conf);
    AtomicOutput out;
    try {
      out = new AtomicOutput(t, conf);
    } catch (IOException e) {
      throw new StorageException("Cannot prepare " + target + ": " + Storage.oneLine(e), e);
    }
    String shown = Storage.display(t);
    out.lock = OutputLock.acquire(out.fs, t, holder);
    try {
      hook("locked");
      out.recoverInterruptedCommit();
      if (out.fs.exists(t) && !overwrite && !keepWork) {
        throw new IllegalArgumentException(
            "Cannot write to "
                + shown
                + ": it already exists; pass --overwrite to "
                + "replace it");
      }
      if (!keepWork) out.fs.delete(out.work, true);
      out.fs.mkdirs(out.work);
      if (keepWork) out.download();
    } catch (IOException e) {
      out.release();
      throw new StorageException(
          "Cannot create " + Storage.display(out.work) + ": " + Storage.oneLine(e), e);
    } catch (RuntimeException e) {
      out.release();
      throw e;
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

  /**
   * A local directory for the job's own files (java.nio); published by {@link #publish} and {@link
   * #commit}.
   */
  public java.nio.file.Path local() {
    return local;
  }

  public Path target() {
    return target;
  }

  public FileSystem fileSystem() {
    return fs;
  }

  /**
   * Copies {@code local()/relative} (a file or directory) into the work directory now, replacing
   * what was there.
   */
  public void publish(String relative) {
    if (isLocal()) return;
    java.nio.file.Path from = local.resolve(relative);
    Path to = new Path(work, relative);
    try {
      if (Files.isDirectory(from)) {
        try (Stream<java.nio.file.Path> files = Files.walk(from)) {
          for (java.nio.file.Path f :
              (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
            upload(f, new Path(work, local.relativize(f).toString()));
          }
        }
      } else if (Files.isRegularFile(from)) {
        upload(from, to);
      }
    } catch (IOException e) {
      throw new StorageException(
          "Cannot write " + Storage.display(to) + ": " + Storage.oneLine(e), e);
    }
  }

  /**
   * One file, streamed: not {@code FileSystem.copyFromLocalFile}, whose S3A version (3.3.4) waits
   * on its own thread pool and was seen to hang for minutes on a small file.
   */
  private void upload(java.nio.file.Path from, Path to) throws IOException {
    // into a hidden sibling renamed into place where the filesystem renames, so a kill mid-upload
    // never leaves a
    // truncated file that looks whole (a checkpoint --resume would then fail on); an object store
    // shows an object
    // only once its upload is complete
    Path tmp =
        Storage.renamesAtomically(to) ? new Path(to.getParent(), "." + to.getName() + ".tmp") : to;
    try (var out = fs.create(tmp, true)) {
      Files.copy(from, out);
    }
    hook("uploaded");
    if (tmp != to) {
      fs.delete(to, false);
      if (!fs.rename(tmp, to)) throw new IOException("rename of " + tmp + " failed");
    }
  }

  /**
   * Publishes what is left in {@link #local()}, marks the output complete and, where the filesystem
   * renames, moves it onto the target (replacing an old one).
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
      if (Storage.renamesAtomically(target)) {
        fs.create(new Path(work, SUCCESS), true).close();
        hook("marked");
        Path old = old();
        fs.delete(old, true);
        if (fs.exists(target) && !fs.rename(target, old))
          throw new IOException("cannot move the old output aside");
        hook("renamed-old");
        if (!fs.rename(work, target)) throw new IOException("rename failed");
        hook("renamed-new");
        fs.delete(old, true);
      } else {
        // an object store: the old output goes only now that the new one is complete; the marker
        // comes last
        fs.delete(target, true);
        hook("deleted-old");
        if (!fs.rename(work, target)) throw new IOException("rename failed");
        hook("renamed-new");
        fs.create(new Path(target, SUCCESS), true).close();
      }
      if (!isLocal()) LocalFiles.deleteRecursively(local);
    } catch (IOException e) {
      throw new StorageException(
          "Cannot move "
              + Storage.display(work)
              + " to "
              + Storage.display(target)
              + ": "
              + Storage.oneLine(e),
          e);
    } finally {
      release();
    }
  }

  private Path old() {
    return new Path(target.getParent(), "." + target.getName() + ".old");
  }

  /**
   * Finishes or undoes a commit that a crash interrupted (a renaming filesystem): the old output
   * moved aside and the new one not yet in place is undone (the old output back); both in place is
   * finished (the old one dropped).
   */
  private void recoverInterruptedCommit() throws IOException {
    Path old = old();
    if (!fs.exists(old)) return;
    if (fs.exists(target)) {
      LOG.warn(
          "Removing {}: a commit of {} was interrupted after the new output was in place",
          Storage.display(old),
          Storage.display(target));
      fs.delete(old, true);
    } else {
      LOG.warn(
          "Restoring {} from {}: a commit was interrupted before the new output was in place",
          Storage.display(target),
          Storage.display(old));
      if (!fs.rename(old, target)) throw new IOException("cannot restore " + Storage.display(old));
    }
  }

  /**
   * A fault test's kill point: the JVM halts here when the system property {@code
   * digitclassifier.test.haltAt} names {@code point}: {@code locked} (begin: the lease taken,
   * nothing else done), {@code uploaded} (publish, on a filesystem other than the local disk: a
   * file's bytes in its hidden {@code .NAME.tmp}, not yet renamed), {@code marked} (commit: {@code
   * _SUCCESS} in the work directory, nothing renamed), {@code renamed-old} (the old output moved
   * aside), {@code renamed-new} (the new one in place, the old one not yet removed), and on object
   * stores {@code deleted-old}. Nothing else reads it.
   */
  private static void hook(String point) {
    if (point.equals(System.getProperty("digitclassifier.test.haltAt")))
      Runtime.getRuntime().halt(137);
  }

  /**
   * Gives up the output's lease without committing or removing anything (a failed run that keeps
   * its checkpoints).
   */
  public void release() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  /** Removes the work directory after a failure (the old output, if any, stays as it was). */
  public void abort() {
    try {
      fs.delete(work, true);
      if (!isLocal()) LocalFiles.deleteRecursively(local);
    } catch (IOException e) {
      throw new StorageException(
          "Cannot remove " + Storage.display(work) + ": " + Storage.oneLine(e), e);
    } finally {
      release();
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
   * Copies a finished output's files into the work directory, to resume from its checkpoints; the
   * finished output stays readable until the resumed run commits.
   */
  public void copyTargetIntoWork() {
    try {
      for (FileStatus f : fs.listStatus(target)) {
        if (f.getPath().getName().equals(SUCCESS)) continue;
        FileUtil.copy(
            fs, f.getPath(), fs, new Path(work, f.getPath().getName()), false, true, conf);
      }
      download();
    } catch (IOException e) {
      throw new StorageException(
          "Cannot resume from " + Storage.display(target) + ": " + Storage.oneLine(e), e);
    }
  }

  private boolean isLocal() {
    return "file".equals(work.toUri().getScheme());
  }
}
