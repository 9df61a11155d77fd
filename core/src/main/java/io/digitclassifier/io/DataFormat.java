package io.digitclassifier.io;

import io.digitclassifier.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.Supplier;

/** The input formats, each with its reader, and the rule that picks one from a path. */
public enum DataFormat {
  /** MNIST IDX: an images file (idx3) and optionally its labels file (idx1), raw or gzipped. */
  IDX(IdxDigitReader::new),
  /**
   * Kaggle's CSV: {@code label,pixel0..pixel783} (train.csv) or {@code pixel0..pixel783}
   * (test.csv).
   */
  CSV(KaggleCsvDigitReader::new),
  /**
   * Parquet with {@code pixels} (array&lt;int&gt; of 784 or binary of 784 bytes) and optional
   * {@code label}, {@code id}.
   */
  PARQUET(ParquetDigitReader::new),
  /**
   * A folder of PNG, JPEG, BMP, GIF, TIFF or WebP images, sub-folders included; a folder named 0-9
   * gives its images' label.
   */
  IMAGES(ImageFolderDigitReader::new);

  private final Supplier<DigitReader> reader;

  DataFormat(Supplier<DigitReader> reader) {
    this.reader = reader;
  }

  public DigitReader reader() {
    return reader.get();
  }

  /**
   * The format a path's name implies: {@code .csv[.gz]} is CSV, {@code .parquet} or a directory of
   * Parquet files is Parquet, {@code *-ubyte[.gz]} or {@code *.idx*} is IDX, and a directory with
   * images ({@link ImageFolderDigitReader#EXTENSIONS}) in it or up to two folders down is an image
   * folder.
   */
  public static DataFormat detect(String path) {
    return detect(path, Storage.conf());
  }

  /** {@link #detect(String)} on any Hadoop filesystem, with the job's configuration. */
  public static DataFormat detect(String path, org.apache.hadoop.conf.Configuration conf) {
    org.apache.hadoop.fs.Path p = Storage.qualify(path, conf);
    String name = p.getName().toLowerCase(Locale.ROOT);
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    if (base.endsWith(".csv")) return CSV;
    if (base.endsWith(".parquet")) return PARQUET;
    if (base.endsWith("-ubyte") || base.contains(".idx") || base.contains("-idx")) return IDX;
    if (Storage.isDirectory(p.toString(), conf)) {
      try {
        org.apache.hadoop.fs.FileSystem fs = Storage.fs(p, conf);
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(p)) {
          if (f.getPath().getName().endsWith(".parquet")) return PARQUET;
        }
        // Two levels down covers the usual digits/7/a.png layout without walking a whole tree of
        // photos.
        if (hasImage(fs, p, 3)) return IMAGES;
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot read " + Storage.display(p) + ": " + Storage.oneLine(e), e);
      }
    }
    throw new IllegalArgumentException(
        "Cannot tell the data format of '"
            + path
            + "' from its name: expected .csv, .parquet, an IDX name (*-ubyte, *.idx3), a folder of images ("
            + String.join(", ", ImageFolderDigitReader.EXTENSIONS)
            + ") or --data-format idx|csv|parquet|images");
  }

  private static boolean hasImage(
      org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path dir, int depth)
      throws IOException {
    for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
      if (f.isFile() && isVisibleImage(f.getPath().getName())) return true;
      if (f.isDirectory() && depth > 1 && hasImage(fs, f.getPath(), depth - 1)) return true;
    }
    return false;
  }

  /**
   * An image name the image reader would read: Spark skips names starting with _ or . as hidden.
   */
  private static boolean isVisibleImage(String name) {
    return !name.startsWith("_")
        && !name.startsWith(".")
        && ImageFolderDigitReader.isImageName(name);
  }
}
