package io.digitclassifier.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per output directory: a lease file {@code .NAME.lock} beside it, created only if
 * absent (an atomic create on HDFS and local disks; on an object store the create checks for an
 * existing object first) and renewed by its holder every {@link #RENEW_MS}. A second run into the
 * same output fails at once with a line naming the holder (who, where, since when). A dead run's
 * lease is taken over with a warning: at once when the holder ran on this host and its process is
 * gone (a killed driver, resumed right after), otherwise once it has not been renewed for {@link
 * #EXPIRY_MS}. Released when the output commits or aborts.
 */
public final class OutputLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);
  static final long RENEW_MS = 10_000;

  /** A lease unrenewed this long is a dead run's: six renewals missed. */
  static final long EXPIRY_MS = 60_000;

  private static final ScheduledExecutorService RENEWER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "output-lock-renewer");
            t.setDaemon(true);
            return t;
          });

  private final FileSystem fs;
  private final Path lock;
  private final String holder;
  private final ScheduledFuture<?> renewal;

  private OutputLock(FileSystem fs, Path lock, String holder) {
    this.fs = fs;
    this.lock = lock;
    this.holder = holder;
    this.renewal =
        RENEWER.scheduleWithFixedDelay(this::renew, RENEW_MS, RENEW_MS, TimeUnit.MILLISECONDS);
  }

  /** The lease file of an output directory. */
  public static Path lockOf(Path target) {
    return new Path(target.getParent(), "." + target.getName() + ".lock");
  }

  /**
   * This JVM as a lock holder: {@code run} (a Spark application id, or a command's name), host, pid
   * and time.
   */
  public static String describe(String run) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown host";
    }
    return run
        + " on "
        + host
        + " (pid "
        + ManagementFactory.getRuntimeMXBean().getPid()
        + "), started "
        + Instant.now();
  }

  /**
   * Takes the lease of {@code target} for {@code holder} ({@link #describe}), or fails with an
   * {@link IllegalArgumentException} naming the run that holds it (the --output is taken: one line,
   * no trace).
   */
  public static OutputLock acquire(FileSystem fs, Path target, String holder) {
    Path lock = lockOf(target);
    String shown = Storage.display(target);
    try {
      for (int attempt = 0; attempt < 2; attempt++) {
        if (create(fs, lock, holder)) return new OutputLock(fs, lock, holder);
        FileStatus status;
        String other;
        try {
          status = fs.getFileStatus(lock);
          other = read(fs, lock);
        } catch (java.io.FileNotFoundException released) {
          continue; // released between our create and our look: try again
        }
        long idle = System.currentTimeMillis() - status.getModificationTime();
        String dead = deadOnThisHost(other);
        if (dead != null) {
          LOG.warn("Taking over {}: its holder ({}) {}", Storage.display(lock), other, dead);
          fs.delete(lock, false);
          continue;
        }
        if (idle < EXPIRY_MS) {
          throw new IllegalArgumentException(
              "Cannot write to "
                  + shown
                  + ": another run is writing it: "
                  + other
                  + " (lease "
                  + Storage.display(lock)
                  + ", renewed "
                  + idle / 1000
                  + " s ago); wait for it to end, or "
                  + "write elsewhere");
        }
        LOG.warn(
            "Taking over {}: its holder ({}) has not renewed it for {} s, so it is taken to have died",
            Storage.display(lock),
            other,
            idle / 1000);
        fs.delete(lock, false);
      }
      throw new IllegalArgumentException(
          "Cannot write to "
              + shown
              + ": another run took its lease "
              + Storage.display(lock)
              + " at the same moment");
    } catch (IOException e) {
      throw new StorageException(
          "Cannot take the lease " + Storage.display(lock) + ": " + Storage.oneLine(e), e);
    }
  }

  /**
   * Why a holder ({@link #describe}'s "... on HOST (pid N) ...") is known dead: it ran on this host
   * and its process is gone (a killed driver, whose lease has not expired yet); null when it may be
   * alive or ran elsewhere.
   */
  static String deadOnThisHost(String holder) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(" on (\\S+) \\(pid (\\d+)\\)").matcher(holder);
    if (!m.find()) return null;
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return null;
    }
    if (!host.equals(m.group(1))) return null;
    long pid = Long.parseLong(m.group(2));
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        ? null
        : "ran on this host as pid " + pid + ", which is no longer running";
  }

  private static boolean create(FileSystem fs, Path lock, String holder) throws IOException {
    if (fs.exists(lock)) return false;
    try (FSDataOutputStream out = fs.create(lock, false)) {
      out.write(holder.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // HDFS reports a create that lost the race as a RemoteException wrapping
      // FileAlreadyExistsException
      if (String.valueOf(e.getMessage()).contains("already exists")) return false;
      throw e;
    }
  }

  private static String read(FileSystem fs, Path lock) throws IOException {
    try (var in = fs.open(lock)) {
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
    }
  }

  /**
   * Renews the lease: its modification time, set on HDFS and local disks, rewritten on an object
   * store (whose {@code setTimes} does nothing).
   */
  private void renew() {
    try {
      if (Storage.renamesAtomically(lock)) {
        fs.setTimes(lock, System.currentTimeMillis(), -1);
      } else {
        try (FSDataOutputStream out = fs.create(lock, true)) {
          out.write(holder.getBytes(StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot renew the lease {}: {}", Storage.display(lock), Storage.oneLine(e));
    }
  }

  /** Releases the lease (the output committed or aborted). */
  @Override
  public void close() {
    renewal.cancel(false);
    try {
      fs.delete(lock, false);
    } catch (IOException e) {
      LOG.warn("Cannot release the lease {}: {}", Storage.display(lock), Storage.oneLine(e));
    }
  }
}
