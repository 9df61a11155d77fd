package io.digitclassifier.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Paths as the project takes them: a Hadoop URI ({@code hdfs://}, {@code s3a://}, {@code file:}) or
 * a plain local path, read and written through Hadoop's {@code FileSystem} with the job's Hadoop
 * configuration. Spark-free, so that the canvas server can use it too.
 */
public final class Storage {
  /**
   * Object stores: no atomic rename, so an output is complete when its {@code _SUCCESS} marker is
   * there.
   */
  private static final Set<String> OBJECT_STORES =
      Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs", "wasb", "wasbs");

  /**
   * Hadoop settings the jobs use unless a configuration sets them. Bounds on how long a filesystem
   * that does not answer is retried: Hadoop's defaults retry an unreachable NameNode for many
   * minutes (45 attempts of 20 s on timeouts) and S3A up to 20 attempts. And S3A keeps directory
   * markers: in Hadoop 3.3.4, deleting them after each write runs on the bounded upload pool from
   * within an upload, and a job's second small file hung there for 8 minutes (seen against
   * S3Proxy); keeping them is also what Hadoop recommends since 3.3.1.
   */
  static final Map<String, String> DEFAULTS =
      Map.of(
          "fs.s3a.directory.marker.retention", "keep",
          "ipc.client.connect.max.retries", "3",
          "ipc.client.connect.max.retries.on.timeouts", "3",
          "ipc.client.connect.timeout", "5000",
          "dfs.client.failover.max.attempts", "3",
          "fs.s3a.attempts.maximum", "3",
          "fs.s3a.retry.limit", "3",
          "fs.s3a.connection.establish.timeout", "5000",
          "fs.s3a.connection.timeout", "30000");

  /** S3A's message when the server sends no ETag, and the setting that lets it read without one. */
  private static final String ETAG_FAILURE = "Change detection policy requires";

  static final String ETAG_SETTING = "fs.s3a.change.detection.version.required";
  static final String ETAG_HINT =
      "the S3 server sends no ETags: set "
          + ETAG_SETTING
          + "=false (or "
          + "fs.s3a.change.detection.mode=none), for bin/train and bin/score with --conf spark.hadoop."
          + ETAG_SETTING
          + "=false";

  private Storage() {}

  /**
   * A Hadoop configuration outside Spark: {@code core-site.xml} and {@code hdfs-site.xml} from the
   * classpath ({@code HADOOP_CONF_DIR}, which the launchers put there), then every {@code
   * spark.hadoop.*} system property, as Spark does for its jobs, then {@link #DEFAULTS} where
   * nothing set them.
   */
  public static Configuration conf() {
    Configuration conf = new Configuration();
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith("spark.hadoop."))
        conf.set(key.substring("spark.hadoop.".length()), System.getProperty(key));
    }
    return withDefaults(conf);
  }

  /** Sets {@link #DEFAULTS} where the configuration has no value of its own; returns it. */
  public static Configuration withDefaults(Configuration conf) {
    DEFAULTS.forEach(
        (k, v) -> {
          if (conf.get(k) == null || isDefault(conf, k)) conf.set(k, v);
        });
    return conf;
  }

  private static boolean isDefault(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    return sources != null
        && sources.length > 0
        && sources[sources.length - 1].endsWith("-default.xml");
  }

  /**
   * The path made absolute and given its filesystem's scheme ({@code file:/...}, {@code
   * hdfs://nn:8020/...}).
   */
  public static Path qualify(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).makeQualified(p);
    } catch (IOException e) {
      throw new StorageException("Cannot reach " + path + ": " + oneLine(e), e);
    }
  }

  /**
   * The path's filesystem; for local paths the raw one. Hadoop's default local filesystem keeps a
   * {@code .NAME.crc} beside each file it writes and checks it on every read, and the jobs also
   * write files with java.nio: a model rewritten that way beside a copied {@code .crc} then failed
   * to read back ("Checksum error").
   */
  public static FileSystem fs(Path path, Configuration conf) {
    try {
      FileSystem fs = path.getFileSystem(conf);
      return fs instanceof org.apache.hadoop.fs.LocalFileSystem local
          ? local.getRawFileSystem()
          : fs;
    } catch (IOException e) {
      throw new StorageException("Cannot reach " + display(path) + ": " + oneLine(e), e);
    }
  }

  /**
   * Whether the path's filesystem renames directories atomically (HDFS, local disks) or not (object
   * stores).
   */
  public static boolean renamesAtomically(Path path) {
    String scheme = path.toUri().getScheme();
    return scheme == null || !OBJECT_STORES.contains(scheme.toLowerCase(java.util.Locale.ROOT));
  }

  public static boolean exists(String path, Configuration conf) {
    Path p = qualify(path, conf);
    try {
      return fs(p, conf).exists(p);
    } catch (IOException e) {
      throw new StorageException("Cannot read " + display(p) + ": " + oneLine(e), e);
    }
  }

  public static boolean isDirectory(String path, Configuration conf) {
    FileStatus s = status(path, conf);
    return s != null && s.isDirectory();
  }

  public static boolean isFile(String path, Configuration conf) {
    FileStatus s = status(path, conf);
    return s != null && s.isFile();
  }

  /** The path's status, or null when nothing is there. */
  private static FileStatus status(String path, Configuration conf) {
    Path p = qualify(path, conf);
    try {
      return fs(p, conf).getFileStatus(p);
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new StorageException("Cannot read " + display(p) + ": " + oneLine(e), e);
    }
  }

  public static InputStream open(String path, Configuration conf) throws IOException {
    Path p = qualify(path, conf);
    return fs(p, conf).open(p);
  }

  public static byte[] readAllBytes(String path, Configuration conf) {
    try (InputStream in = open(path, conf)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StorageException(
          "Cannot read " + display(qualify(path, conf)) + ": " + oneLine(e), e);
    }
  }

  /**
   * Writes a file whole or not at all: on a filesystem that renames atomically, into a temporary
   * sibling that is renamed into place; on an object store directly, since an object appears only
   * when its upload completes.
   */
  public static void writeAtomically(
      String path, Configuration conf, boolean overwrite, IoConsumer<OutputStream> body) {
    Path target = qualify(path, conf);
    FileSystem fs = fs(target, conf);
    Path tmp =
        renamesAtomically(target)
            ? new Path(target.getParent(), "." + target.getName() + ".tmp")
            : target;
    try {
      if (!overwrite && fs.exists(target)) {
        throw new IllegalArgumentException(
            "Cannot write "
                + display(target)
                + ": it already exists; pass "
                + "--overwrite to replace it");
      }
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        body.accept(out);
      }
      if (tmp != target) {
        if (fs.exists(target)) fs.delete(target, false);
        if (!fs.rename(tmp, target)) throw new IOException("rename from " + tmp + " failed");
      }
    } catch (IOException e) {
      try {
        if (tmp != target) fs.delete(tmp, false);
      } catch (IOException ignored) {
        // the original failure is what matters
      }
      throw new StorageException("Cannot write " + display(target) + ": " + oneLine(e), e);
    }
  }

  /** How a path reads in messages: a local one as a plain path, anything else as its URI. */
  public static String display(Path p) {
    return "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString();
  }

  /**
   * An exception's message on one line (Hadoop's carry stack-like detail on following lines), with
   * {@link #hint}.
   */
  public static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return withHint(nl < 0 ? m : m.substring(0, nl), e);
  }

  /**
   * The setting to change, for a failure whose cause is a setting rather than the data, or null.
   * Today one: an S3 server that sends no ETags (some S3-compatible stores, some proxies) fails
   * every read with S3A's "Change detection policy requires ETag" (its {@code
   * NoVersionAttributeException}), which names no setting. Found anywhere in the cause chain, or in
   * a message that carries it (a Spark task's failure, reported on the driver).
   */
  public static String hint(Throwable e) {
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      String m = t.getMessage();
      if (t.getClass().getName().equals("org.apache.hadoop.fs.s3a.NoVersionAttributeException")
          || (m != null && m.contains(ETAG_FAILURE))) {
        return ETAG_HINT;
      }
    }
    return null;
  }

  /**
   * {@code line}, its first line ended with {@link #hint}'s setting when {@code e} has one and the
   * line lacks it.
   */
  public static String withHint(String line, Throwable e) {
    String hint = hint(e);
    if (hint == null || line.contains(ETAG_SETTING)) return line;
    int nl = line.indexOf('\n');
    return nl < 0 ? line + "; " + hint : line.substring(0, nl) + "; " + hint + line.substring(nl);
  }

  /** A step that writes to a stream. */
  @FunctionalInterface
  public interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }
}
