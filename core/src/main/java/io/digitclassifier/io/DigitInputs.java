package io.digitclassifier.io;

import io.digitclassifier.data.DigitRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/** Turns a user's path (and optional format) into digit records: the one entry point the jobs use. */
public final class DigitInputs {
  private DigitInputs() {}

  /** Reads {@code path}; {@code format} null means "tell from the name". IDX labels are found beside the images. */
  public static JavaRDD<DigitRecord> read(SparkSession spark, String path, DataFormat format, BadRecordPolicy policy,
      int partitions) {
    DataFormat f = format != null ? format : DataFormat.detect(path);
    String labels = f == DataFormat.IDX ? IdxDigitReader.labelsFileFor(path) : null;
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    return f.reader().read(spark, new DigitInput(qualified(path, conf), labels == null ? null : qualified(labels, conf),
        partitions), policy);
  }

  /**
   * The path as the driver sees it, made absolute ({@code file:/...}, {@code hdfs://...}): executors run in
   * their own working directories, where a relative path would name another file or none.
   */
  static String qualified(String path, org.apache.hadoop.conf.Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      return p.getFileSystem(conf).makeQualified(p).toString();
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** MNIST's own files in a directory (as bin/fetch-mnist leaves them): the train or t10k images file. */
  public static Optional<String> mnistImages(String dir, boolean train) {
    Path d = Path.of(dir);
    if (!Files.isDirectory(d)) return Optional.empty();
    String name = (train ? "train" : "t10k") + "-images-idx3-ubyte";
    for (String candidate : new String[] {name, name + ".gz"}) {
      if (Files.isRegularFile(d.resolve(candidate))) return Optional.of(d.resolve(candidate).toString());
    }
    return Optional.empty();
  }
}
