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
    return f.reader().read(spark, new DigitInput(path, labels, partitions), policy);
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
