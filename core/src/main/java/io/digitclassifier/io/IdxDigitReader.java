package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.storage.Storage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads MNIST IDX files: an images file (idx3, magic {@code 0x00000803}, 28x28) and optionally its
 * labels file (idx1, magic {@code 0x00000801}), each raw or gzipped ({@code .gz}).
 *
 * <p>Headers and sizes are checked on the driver; the images are then read by {@code partitions}
 * tasks, each opening the file(s) itself and reading one contiguous range of images, so nothing
 * passes through the driver. Ids are the 1-based image index, positions the byte offset of the
 * image in the (uncompressed) images file.
 */
public class IdxDigitReader implements DigitReader {
  private static final Logger LOG = LoggerFactory.getLogger(IdxDigitReader.class);

  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  static final int IMAGES_HEADER = 16;
  static final int LABELS_HEADER = 8;

  /**
   * Images per task when the caller does not say; MNIST's 60,000 become 3 tasks (or the cluster's
   * parallelism).
   */
  static final int IMAGES_PER_PARTITION = 20_000;

  @Override
  public boolean hasLabels(SparkSession spark, DigitInput input) {
    return input.labelsPath() != null;
  }

  @Override
  public JavaRDD<DigitRecord> read(SparkSession spark, DigitInput input, BadRecordPolicy policy) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String imagesPath = input.path();
    String labelsPath = input.labelsPath();

    long count = readImagesHeader(conf, imagesPath);
    if (labelsPath != null) {
      long labels = readLabelsHeader(conf, labelsPath);
      if (labels != count) {
        throw new BadInputException(
            "Cannot read "
                + labelsPath
                + ": byte offset 4: "
                + labels
                + " labels, expected "
                + count
                + " (the number of images in "
                + imagesPath
                + ")");
      }
    }

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions =
        input.partitions() > 0
            ? input.partitions()
            : (int) Math.max(jsc.defaultParallelism(), ceilDiv(count, IMAGES_PER_PARTITION));
    partitions = (int) Math.max(1, Math.min(partitions, count));
    List<long[]> ranges = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      ranges.add(new long[] {count * p / partitions, count * (p + 1) / partitions});
    }
    LOG.info(
        "Reading {} images from {} (labels: {}) in {} partitions",
        count,
        imagesPath,
        labelsPath,
        partitions);

    // The closure serializer is Java's, so a SerializableConfiguration carries spark.hadoop.*
    // settings to tasks.
    SerializableConfiguration taskConf = new SerializableConfiguration(conf);
    return jsc.parallelize(ranges, partitions)
        .flatMap(
            range ->
                new RangeIterator(
                    taskConf.value(), imagesPath, labelsPath, range[0], range[1], policy));
  }

  /**
   * The labels file beside an MNIST images file ({@code train-images-idx3-ubyte[.gz]} gives {@code
   * train-labels-idx1-ubyte[.gz]}) if it exists, else null.
   */
  public static String labelsFileFor(String imagesPath) {
    return labelsFileFor(imagesPath, Storage.conf());
  }

  /** {@link #labelsFileFor(String)} on any Hadoop filesystem. */
  public static String labelsFileFor(String imagesPath, Configuration conf) {
    int slash = imagesPath.lastIndexOf('/');
    String dir = imagesPath.substring(0, slash + 1);
    String name = imagesPath.substring(slash + 1);
    String labelsName =
        name.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
    if (labelsName.equals(name)) return null;
    String labels = dir + labelsName;
    return Storage.isFile(labels, conf) ? labels : null;
  }

  /** Checks the images header (and, for a raw file, its length) and returns the image count. */
  static long readImagesHeader(Configuration conf, String file) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = status(fs, path, file);
      int[] header = new int[4];
      try (DataInputStream in = new DataInputStream(open(fs, path))) {
        readHeader(in, header, file, "images");
      }
      checkMagic(file, header[0], IMAGES_MAGIC, "idx3 images");
      long count = Integer.toUnsignedLong(header[1]);
      if (header[2] != Digits.SIDE) {
        throw new BadInputException(
            "Cannot read "
                + file
                + ": byte offset 8: "
                + header[2]
                + " rows, expected "
                + Digits.SIDE);
      }
      if (header[3] != Digits.SIDE) {
        throw new BadInputException(
            "Cannot read "
                + file
                + ": byte offset 12: "
                + header[3]
                + " columns, expected "
                + Digits.SIDE);
      }
      if (count == 0) {
        throw new BadInputException(
            "Cannot read " + file + ": byte offset 4: count 0, expected at least one image");
      }
      if (!isGzip(file)) {
        checkLength(
            file,
            status.getLen(),
            IMAGES_HEADER + count * Digits.PIXELS,
            count + " images",
            IMAGES_HEADER + " + " + count + " x " + Digits.PIXELS);
      }
      return count;
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Checks the labels header (and, for a raw file, its length) and returns the label count. */
  static long readLabelsHeader(Configuration conf, String file) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = status(fs, path, file);
      int[] header = new int[2];
      try (DataInputStream in = new DataInputStream(open(fs, path))) {
        readHeader(in, header, file, "labels");
      }
      checkMagic(file, header[0], LABELS_MAGIC, "idx1 labels");
      long count = Integer.toUnsignedLong(header[1]);
      if (!isGzip(file)) {
        checkLength(
            file,
            status.getLen(),
            LABELS_HEADER + count,
            count + " labels",
            LABELS_HEADER + " + " + count);
      }
      return count;
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static FileStatus status(FileSystem fs, Path path, String file) throws IOException {
    try {
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        throw new BadInputException(
            "Cannot read " + file + ": it is a directory, expected an IDX file");
      }
      return status;
    } catch (FileNotFoundException e) {
      throw new BadInputException("Cannot read " + file + ": the file does not exist", e);
    }
  }

  private static void readHeader(DataInputStream in, int[] header, String file, String what)
      throws IOException {
    for (int i = 0; i < header.length; i++) {
      byte[] word = new byte[4];
      int n = readFully(in, word, 0, 4);
      if (n < 4) {
        long offset = 4L * i + n;
        throw new BadInputException(
            "Cannot read "
                + file
                + ": byte offset "
                + offset
                + ": the file ends inside the "
                + header.length * 4
                + "-byte "
                + what
                + " header, expected an IDX "
                + what
                + " file");
      }
      header[i] =
          ((word[0] & 0xFF) << 24)
              | ((word[1] & 0xFF) << 16)
              | ((word[2] & 0xFF) << 8)
              | (word[3] & 0xFF);
    }
  }

  private static void checkMagic(String file, int found, int expected, String what) {
    if (found != expected) {
      throw new BadInputException(
          String.format(
              "Cannot read %s: byte offset 0: magic number 0x%08X, expected 0x%08X" + " (%s)",
              file, found, expected, what));
    }
  }

  private static void checkLength(
      String file, long actual, long expected, String count, String formula) {
    if (actual != expected) {
      String why =
          actual < expected
              ? "the file is truncated or the count is larger than the data"
              : "the file has data beyond the count";
      throw new BadInputException(
          "Cannot read "
              + file
              + ": byte offset 4: count says "
              + count
              + ", expected length "
              + expected
              + " bytes ("
              + formula
              + "), actual length "
              + actual
              + " bytes: "
              + why);
    }
  }

  static boolean isGzip(String file) {
    return file.endsWith(".gz");
  }

  private static InputStream open(FileSystem fs, Path path) throws IOException {
    InputStream in = fs.open(path);
    return isGzip(path.getName()) ? new GZIPInputStream(in, 64 * 1024) : in;
  }

  /**
   * Reads up to {@code len} bytes, fewer only at the end of the stream; returns how many it read.
   */
  private static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = in.read(buf, off + total, len - total);
      if (n < 0) break;
      total += n;
    }
    return total;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * Reads images {@code [start, end)} (and their labels) in a task. Opened lazily and closed at the
   * end of the range, or on a failure, so a task never leaks a stream.
   */
  private static final class RangeIterator implements Iterator<DigitRecord> {
    private final Configuration conf;
    private final String imagesPath;
    private final String labelsPath;
    private final long end;
    private final BadRecordPolicy policy;
    private long next;
    private InputStream images;
    private InputStream labels;

    RangeIterator(
        Configuration conf,
        String imagesPath,
        String labelsPath,
        long start,
        long end,
        BadRecordPolicy policy) {
      this.conf = conf;
      this.imagesPath = imagesPath;
      this.labelsPath = labelsPath;
      this.next = start;
      this.end = end;
      this.policy = policy;
    }

    @Override
    public boolean hasNext() {
      if (next < end) return true;
      close();
      return false;
    }

    @Override
    public DigitRecord next() {
      if (!hasNext()) throw new NoSuchElementException();
      try {
        if (images == null) openAt(next);
        return readOne(next++);
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("Cannot read " + imagesPath + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    private void openAt(long index) throws IOException {
      // An action such as take() may stop before the range ends: close with the task then.
      TaskContext task = TaskContext.get();
      if (task != null) task.addTaskCompletionListener((TaskCompletionListener) context -> close());
      images = openAt(imagesPath, IMAGES_HEADER + index * Digits.PIXELS);
      if (labelsPath != null) labels = openAt(labelsPath, LABELS_HEADER + index);
    }

    private InputStream openAt(String file, long offset) throws IOException {
      Path path = new Path(file);
      FileSystem fs = path.getFileSystem(conf);
      FSDataInputStream raw = fs.open(path);
      if (!isGzip(file)) {
        raw.seek(offset);
        return new BufferedInputStream(raw, 64 * 1024);
      }
      // A gzip stream cannot seek: decompress and drop everything before this task's range.
      InputStream in = new BufferedInputStream(new GZIPInputStream(raw, 64 * 1024), 64 * 1024);
      long skipped = 0;
      byte[] sink = new byte[64 * 1024];
      while (skipped < offset) {
        int n = in.read(sink, 0, (int) Math.min(sink.length, offset - skipped));
        if (n < 0) {
          in.close();
          throw truncated(file, skipped, offset);
        }
        skipped += n;
      }
      return in;
    }

    private DigitRecord readOne(long index) throws IOException {
      long imageOffset = IMAGES_HEADER + index * Digits.PIXELS;
      byte[] pixels = new byte[Digits.PIXELS];
      int n = readFully(images, pixels, 0, Digits.PIXELS);
      if (n < Digits.PIXELS) throw truncated(imagesPath, imageOffset + n, imageOffset);
      Integer label = null;
      if (labels != null) {
        long labelOffset = LABELS_HEADER + index;
        int b = labels.read();
        if (b < 0) throw truncated(labelsPath, labelOffset, labelOffset);
        if (b > 9) {
          String error =
              "Cannot read "
                  + labelsPath
                  + ": byte offset "
                  + labelOffset
                  + ": label "
                  + b
                  + ", expected 0-9";
          if (policy == BadRecordPolicy.FAIL) throw new BadInputException(error);
          return DigitRecord.rejected(index + 1, labelsPath, "byte offset " + labelOffset, error);
        }
        label = b;
      }
      return new DigitRecord(index + 1, label, pixels, imagesPath, "byte offset " + imageOffset);
    }

    private static BadInputException truncated(String file, long endOfData, long recordOffset) {
      return new BadInputException(
          "Cannot read "
              + file
              + ": byte offset "
              + endOfData
              + (isGzip(file) ? " (uncompressed)" : "")
              + ": the data ends there, expected the record at byte offset "
              + recordOffset
              + " to be complete: the file is truncated or its count is larger than the data");
    }

    private void close() {
      closeQuietly(images);
      closeQuietly(labels);
      images = null;
      labels = null;
    }

    private static void closeQuietly(InputStream in) {
      if (in == null) return;
      try {
        in.close();
      } catch (IOException e) {
        LOG.debug("Ignoring a failure to close an IDX stream", e);
      }
    }
  }
}
