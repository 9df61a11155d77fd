package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Reads Kaggle's digit-recognizer CSV: {@code label,pixel0,...,pixel783} (train.csv) or {@code
 * pixel0,...,pixel783} (test.csv), raw or compressed (any Hadoop codec, e.g. {@code .gz}).
 *
 * <p>The header is checked on the driver. Rows are read with {@code textFile} and numbered with
 * {@code zipWithIndex}, so a row's id is its Kaggle ImageId (the header is line 1, the first row id
 * 1) and its position is its line number, whatever the partitioning.
 */
public class KaggleCsvDigitReader implements DigitReader {
  private static final Logger LOG = LoggerFactory.getLogger(KaggleCsvDigitReader.class);

  static final String EXPECTED_HEADER =
      "'label,pixel0,...,pixel783' (785 columns, labelled) or 'pixel0,...,pixel783' (784 columns, unlabelled)";

  @Override
  public boolean hasLabels(SparkSession spark, DigitInput input) {
    return readHeader(spark.sparkContext().hadoopConfiguration(), input.path());
  }

  @Override
  public JavaRDD<DigitRecord> read(SparkSession spark, DigitInput input, BadRecordPolicy policy) {
    String file = input.path();
    boolean labelled = readHeader(spark.sparkContext().hadoopConfiguration(), file);
    // By default as many partitions as the cluster runs tasks at once, so that scoring uses every
    // core.
    int wanted =
        input.partitions() > 0 ? input.partitions() : spark.sparkContext().defaultParallelism();
    // zipWithIndex runs one job here (counting each partition's lines) unless there is a single
    // partition.
    JavaPairRDD<String, Long> lines =
        spark.sparkContext().textFile(file, wanted).toJavaRDD().zipWithIndex();
    if (lines.getNumPartitions() < wanted) {
      // A compressed file is a single split: spread its lines, sorted by line index so the order
      // stays.
      lines = lines.mapToPair(Tuple2::swap).sortByKey(true, wanted).mapToPair(Tuple2::swap);
    }
    int lastPartition = lines.getNumPartitions() - 1;
    LOG.info(
        "Reading {} ({}) in {} partitions",
        file,
        labelled ? "labelled" : "unlabelled",
        lastPartition + 1);
    return lines.mapPartitionsWithIndex(
        (partition, it) -> new RowIterator(file, it, partition == lastPartition, labelled, policy),
        true);
  }

  /**
   * Parses one data row; {@code index} is its 0-based line index, so its line number is index + 1.
   */
  static DigitRecord parseRow(
      String file, String line, long index, boolean labelled, BadRecordPolicy policy) {
    long lineNumber = index + 1;
    String position = "line " + lineNumber;
    try {
      String[] fields = line.split(",", -1);
      int expected = labelled ? Digits.PIXELS + 1 : Digits.PIXELS;
      if (fields.length != expected) {
        throw new BadInputException(
            "Cannot read "
                + file
                + ": "
                + position
                + ": "
                + fields.length
                + " columns, expected "
                + expected
                + (labelled ? " (label,pixel0..pixel783)" : " (pixel0..pixel783)"));
      }
      Integer label = null;
      int first = 0;
      if (labelled) {
        label = parseValue(file, position, "label", fields[0], 9);
        first = 1;
      }
      byte[] pixels = new byte[Digits.PIXELS];
      for (int i = 0; i < Digits.PIXELS; i++) {
        pixels[i] = (byte) parseValue(file, position, "pixel" + i, fields[first + i], 255);
      }
      return new DigitRecord(index, label, pixels, file, position);
    } catch (BadInputException e) {
      if (policy == BadRecordPolicy.FAIL) throw e;
      return DigitRecord.rejected(index, file, position, e.getMessage());
    }
  }

  /** An integer 0..max; "12.0" counts as 12, but NaN, fractions and anything else do not. */
  static int parseValue(String file, String position, String column, String raw, int max) {
    String text = raw.trim();
    int value = integral(text);
    if (value < 0 || value > max) {
      throw new BadInputException(
          "Cannot read "
              + file
              + ": "
              + position
              + ", column "
              + column
              + ": value '"
              + text
              + "', expected an integer 0-"
              + max);
    }
    return value;
  }

  /**
   * The integer {@code text} denotes, or -1 when it is not one (every valid value is non-negative).
   */
  private static int integral(String text) {
    int n = text.length();
    int i = 0;
    if (n > 0 && text.charAt(0) == '+') i++;
    int start = i;
    long value = 0;
    while (i < n && Character.isDigit(text.charAt(i)) && text.charAt(i) < 128) {
      value = value * 10 + (text.charAt(i) - '0');
      if (value > Integer.MAX_VALUE) return -1;
      i++;
    }
    if (i == start) return -1;
    if (i < n) {
      // Some exports write integers as floats ("12.0"); only an all-zero fraction is still an
      // integer.
      if (text.charAt(i) != '.') return -1;
      for (i++; i < n; i++) {
        if (text.charAt(i) != '0') return -1;
      }
    }
    return (int) value;
  }

  /**
   * Checks that the file exists and starts with a Kaggle header followed by a row; returns whether
   * labelled.
   */
  static boolean readHeader(Configuration conf, String file) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status;
      try {
        status = fs.getFileStatus(path);
      } catch (FileNotFoundException e) {
        throw new BadInputException("Cannot read " + file + ": the file does not exist", e);
      }
      if (status.isDirectory()) {
        // textFile would read every file's header as a data row and number the lines across files.
        throw new BadInputException(
            "Cannot read " + file + ": it is a directory, expected one CSV file");
      }
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
      InputStream raw = fs.open(path);
      InputStream in = codec == null ? raw : codec.createInputStream(raw);
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String header = reader.readLine();
        if (header == null || (header.trim().isEmpty() && reader.readLine() == null)) {
          throw new BadInputException(
              "Cannot read "
                  + file
                  + ": the file is empty, expected a header line "
                  + EXPECTED_HEADER);
        }
        boolean labelled = checkHeader(file, header);
        String row = reader.readLine();
        if (row == null || (row.trim().isEmpty() && reader.readLine() == null)) {
          throw new BadInputException(
              "Cannot read "
                  + file
                  + ": the file has a header but no rows, expected at "
                  + "least one row after line 1");
        }
        return labelled;
      }
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean checkHeader(String file, String line) {
    // A byte-order mark is what Excel and some Windows tools put in front of a UTF-8 CSV.
    String header = line.startsWith("\uFEFF") ? line.substring(1) : line;
    String[] names = header.split(",", -1);
    for (int i = 0; i < names.length; i++) {
      names[i] = unquote(names[i].trim());
    }
    boolean labelled = names.length > 0 && names[0].equals("label");
    int first = labelled ? 1 : 0;
    int expected = Digits.PIXELS + first;
    for (int i = first; i < Math.min(names.length, expected); i++) {
      String want = "pixel" + (i - first);
      if (!names[i].equals(want)) {
        throw new BadInputException(
            "Cannot read "
                + file
                + ": line 1, column "
                + (i + 1)
                + ": header '"
                + names[i]
                + "', expected '"
                + want
                + "': the header must be "
                + EXPECTED_HEADER);
      }
    }
    if (names.length != expected) {
      throw new BadInputException(
          "Cannot read "
              + file
              + ": line 1: header of "
              + names.length
              + " columns ('"
              + abbreviate(header)
              + "'), expected "
              + EXPECTED_HEADER);
    }
    return labelled;
  }

  private static String unquote(String name) {
    return name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")
        ? name.substring(1, name.length() - 1)
        : name;
  }

  private static String abbreviate(String text) {
    return text.length() <= 60
        ? text
        : text.substring(0, 40) + "..." + text.substring(text.length() - 15);
  }

  /**
   * Parses the lines of one partition as they are consumed, skipping the header and a blank last
   * line.
   */
  private static final class RowIterator implements Iterator<DigitRecord> {
    private final String file;
    private final Iterator<Tuple2<String, Long>> lines;
    private final boolean lastPartition;
    private final boolean labelled;
    private final BadRecordPolicy policy;
    private Tuple2<String, Long> pending;

    RowIterator(
        String file,
        Iterator<Tuple2<String, Long>> lines,
        boolean lastPartition,
        boolean labelled,
        BadRecordPolicy policy) {
      this.file = file;
      this.lines = lines;
      this.lastPartition = lastPartition;
      this.labelled = labelled;
      this.policy = policy;
    }

    @Override
    public boolean hasNext() {
      while (pending == null && lines.hasNext()) {
        Tuple2<String, Long> line = lines.next();
        if (line._2() == 0) continue;
        // A file ending in a blank line (an extra newline) is common and harmless. Hadoop's split
        // slop keeps the
        // last split large, so the file's last line is the last line of the last partition.
        if (lastPartition && !lines.hasNext() && line._1().trim().isEmpty()) continue;
        pending = line;
      }
      return pending != null;
    }

    @Override
    public DigitRecord next() {
      if (!hasNext()) throw new NoSuchElementException();
      Tuple2<String, Long> line = pending;
      pending = null;
      return parseRow(file, line._1(), line._2(), labelled, policy);
    }
  }
}
