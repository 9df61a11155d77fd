package io.digitclassifier.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** SHA-256 of input files and models, read through Hadoop's FileSystem so any Spark path works. */
public final class Hashing {
  private Hashing() {}

  /**
   * What an input holds: for a file, its SHA-256 and 1; for a directory, the SHA-256 of its {@link
   * #manifest} and the number of files in it.
   */
  public record Content(String sha256, long files) {}

  /** {@link #content}'s hash: a file's SHA-256, or a directory's manifest's. */
  public static String sha256(String path, Configuration conf) {
    return content(path, conf).sha256();
  }

  /**
   * A file's SHA-256, or a directory's: the SHA-256 of its {@link #manifest}, which covers every
   * file under it at any depth (a partitioned Parquet input's part files two levels down, an image
   * folder's digit folders), so that changing, adding, removing or moving any file Spark would read
   * changes it.
   */
  public static Content content(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = Storage.fs(p, conf);
      if (!fs.getFileStatus(p).isDirectory())
        return new Content(HexFormat.of().formatHex(digest(fs, p)), 1);
      List<String> lines = manifestLines(fs, p);
      return new Content(
          sha256(String.join("", lines).getBytes(StandardCharsets.UTF_8)), lines.size());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot hash " + path + ": " + Storage.oneLine(e), e);
    }
  }

  /**
   * A directory's manifest: one line per file under it at any depth, {@code
   * relative/path<TAB>size<TAB>sha256}, sorted by path, each ended by {@code \n}. Files and
   * directories Spark's readers skip are left out as Spark leaves them out ({@link
   * #skippedBySpark}: {@code _SUCCESS}, {@code _summary.json}, {@code .crc} files, a job's hidden
   * work directory), so the manifest is of the data a job reads.
   */
  public static String manifest(String dir, Configuration conf) {
    Path p = new Path(dir);
    try {
      return String.join("", manifestLines(Storage.fs(p, conf), p));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot hash " + dir + ": " + Storage.oneLine(e), e);
    }
  }

  /**
   * Spark's rule for the names it does not read in a directory ({@code
   * HadoopFSUtils.shouldFilterOutPathName}): hidden ({@code .}) names, {@code _} names that are not
   * partition directories ({@code _col=1}) except Parquet's {@code _metadata} and {@code
   * _common_metadata}, and files being copied ({@code ._COPYING_}).
   */
  static boolean skippedBySpark(String name) {
    boolean exclude =
        (name.startsWith("_") && !name.contains("="))
            || name.startsWith(".")
            || name.endsWith("._COPYING_");
    boolean include = name.startsWith("_common_metadata") || name.startsWith("_metadata");
    return exclude && !include;
  }

  private static List<String> manifestLines(FileSystem fs, Path root) throws IOException {
    String rootPath = fs.getFileStatus(root).getPath().toUri().getPath();
    String prefix = rootPath.endsWith("/") ? rootPath : rootPath + "/";
    List<FileStatus> files = new ArrayList<>();
    collect(fs, root, files);
    List<String> lines = new ArrayList<>(files.size());
    for (FileStatus f : files) {
      String relative = f.getPath().toUri().getPath().substring(prefix.length());
      lines.add(
          relative
              + "\t"
              + f.getLen()
              + "\t"
              + HexFormat.of().formatHex(digest(fs, f.getPath()))
              + "\n");
    }
    Collections.sort(lines); // by relative path: the tab sorts before any character a name holds
    return lines;
  }

  private static void collect(FileSystem fs, Path dir, List<FileStatus> out) throws IOException {
    for (FileStatus f : fs.listStatus(dir)) {
      if (skippedBySpark(f.getPath().getName())) continue;
      if (f.isDirectory()) {
        collect(fs, f.getPath(), out);
      } else {
        out.add(f);
      }
    }
  }

  /** The SHA-256 of bytes in memory (a model already read), as hex. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] digest(FileSystem fs, Path p) throws IOException {
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new DigestInputStream(fs.open(p), md)) {
      while (in.read(buf) >= 0) {
        // the digest stream does the work
      }
    }
    return md.digest();
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
