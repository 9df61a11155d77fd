package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.storage.Storage;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * Turns a user's path (and optional format) into digit records: the one entry point the jobs use.
 */
public final class DigitInputs {
  private DigitInputs() {}

  /**
   * Reads {@code path}; {@code format} null means "tell from the name". IDX labels are found beside
   * the images.
   */
  public static JavaRDD<DigitRecord> read(
      SparkSession spark, String path, DataFormat format, BadRecordPolicy policy, int partitions) {
    // an unreachable filesystem or refused credentials: one line naming the URI, from here on the
    // driver
    Storage.exists(path, spark.sparkContext().hadoopConfiguration());
    DataFormat f = format(spark, path, format);
    return f.reader().read(spark, input(spark, path, f, partitions), policy);
  }

  /**
   * Whether {@code path} carries true labels (an IDX labels file beside it, a CSV {@code label}
   * column, a Parquet {@code label} column, images in folders named {@code 0}..{@code 9}), from its
   * header, schema or listing.
   */
  public static boolean hasLabels(SparkSession spark, String path, DataFormat format) {
    DataFormat f = format(spark, path, format);
    return f.reader().hasLabels(spark, input(spark, path, f, 0));
  }

  private static DataFormat format(SparkSession spark, String path, DataFormat format) {
    return format != null
        ? format
        : DataFormat.detect(path, spark.sparkContext().hadoopConfiguration());
  }

  /** The path qualified, with its IDX labels file beside it when there is one. */
  private static DigitInput input(
      SparkSession spark, String path, DataFormat format, int partitions) {
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    String labels = format == DataFormat.IDX ? IdxDigitReader.labelsFileFor(path, conf) : null;
    return new DigitInput(
        qualified(path, conf), labels == null ? null : qualified(labels, conf), partitions);
  }

  /**
   * The path as the driver sees it, made absolute ({@code file:/...}, {@code hdfs://...}):
   * executors run in their own working directories, where a relative path would name another file
   * or none.
   */
  static String qualified(String path, org.apache.hadoop.conf.Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      return p.getFileSystem(conf).makeQualified(p).toString();
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * MNIST's own files in a local directory (as bin/fetch-mnist leaves them): the train or t10k
   * images file.
   */
  public static Optional<String> mnistImages(String dir, boolean train) {
    return mnistImages(dir, train, Storage.conf());
  }

  /** MNIST's own files in a directory on any filesystem: the train or t10k images file. */
  public static Optional<String> mnistImages(
      String dir, boolean train, org.apache.hadoop.conf.Configuration conf) {
    if (!Storage.isDirectory(dir, conf)) return Optional.empty();
    String name = (train ? "train" : "t10k") + "-images-idx3-ubyte";
    for (String candidate : new String[] {name, name + ".gz"}) {
      String file = dir.endsWith("/") ? dir + candidate : dir + "/" + candidate;
      if (Storage.isFile(file, conf)) return Optional.of(file);
    }
    return Optional.empty();
  }
}
