package io.digitclassifier.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** SHA-256 of input files and models, read through Hadoop's FileSystem so any Spark path works. */
public final class Hashing {
  private Hashing() {}

  /** The SHA-256 of a file, or of a directory's files in name order (hidden and _ files skipped). */
  public static String sha256(String path, Configuration conf) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      Path p = new Path(path);
      FileSystem fs = Storage.fs(p, conf);
      FileStatus status = fs.getFileStatus(p);
      if (status.isDirectory()) {
        FileStatus[] files = fs.listStatus(p, f -> !f.getName().startsWith(".") && !f.getName().startsWith("_"));
        java.util.Arrays.sort(files);
        for (FileStatus f : files) {
          if (f.isFile()) update(md, fs, f.getPath());
        }
      } else {
        update(md, fs, p);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot hash " + path + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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

  private static void update(MessageDigest md, FileSystem fs, Path p) throws IOException {
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new DigestInputStream(fs.open(p), md)) {
      while (in.read(buf) >= 0) {
        // the digest stream does the work
      }
    }
  }
}
