package io.digitclassifier.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.TestDigits.IdxFiles;
import io.digitclassifier.TestParquet;
import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every guard of the readers, with the message a user would see. */
class ReaderErrorsTest extends SparkTestBase {
  private static final List<DigitRecord> DIGITS = TestDigits.random(25, 7);

  @TempDir Path dir;

  /**
   * Runs {@code read}, expects a BadInputException (possibly wrapped by Spark) and returns its
   * message.
   */
  private static String failure(ThrowingCallable read) {
    Throwable thrown = catchThrowable(read);
    assertThat(thrown).as("expected a failure").isNotNull();
    BadInputException bad = BadInputException.find(thrown);
    assertThat(bad).as("a BadInputException in %s", thrown).isNotNull();
    assertThat(bad.getMessage()).startsWith("Cannot read ");
    return bad.getMessage();
  }

  private static List<DigitRecord> read(
      DataFormat format, DigitInput input, BadRecordPolicy policy) {
    return format.reader().read(spark, input, policy).collect();
  }

  private static List<DigitRecord> readIdx(IdxFiles files, int partitions, BadRecordPolicy policy) {
    return read(
        DataFormat.IDX,
        new DigitInput(
            files.images().toString(),
            files.labels() == null ? null : files.labels().toString(),
            partitions),
        policy);
  }

  private static byte[] withoutLast(byte[] bytes, int n) {
    return Arrays.copyOf(bytes, bytes.length - n);
  }

  // ---- IDX

  @Test
  void idxWrongMagicNumber() {
    Path images =
        TestDigits.write(dir.resolve("bad-images-idx3-ubyte"), TestDigits.idxLabels(DIGITS));

    String message = failure(() -> readIdx(new IdxFiles(images, null), 0, BadRecordPolicy.FAIL));

    assertThat(message)
        .isEqualTo(
            "Cannot read "
                + images
                + ": byte offset 0: magic number 0x00000801, expected"
                + " 0x00000803 (idx3 images)");
  }

  @Test
  void idxWrongImageSize() {
    byte[] body = new byte[DIGITS.size() * 784];
    Path images =
        TestDigits.write(
            dir.resolve("big-images-idx3-ubyte"),
            TestDigits.idx(new int[] {0x803, DIGITS.size(), 32, 24}, body));

    String message = failure(() -> readIdx(new IdxFiles(images, null), 0, BadRecordPolicy.FAIL));

    assertThat(message)
        .isEqualTo("Cannot read " + images + ": byte offset 8: 32 rows, expected 28");
  }

  @Test
  void idxTruncatedBody() {
    // Four and a half of five images.
    byte[] bytes = withoutLast(TestDigits.idxImages(DIGITS.subList(0, 5)), 392);
    Path images = TestDigits.write(dir.resolve("cut-images-idx3-ubyte"), bytes);

    String message = failure(() -> readIdx(new IdxFiles(images, null), 0, BadRecordPolicy.FAIL));

    assertThat(message)
        .isEqualTo(
            "Cannot read "
                + images
                + ": byte offset 4: count says 5 images, expected length"
                + " 3936 bytes (16 + 5 x 784), actual length 3544 bytes: the file is truncated or the count is larger than"
                + " the data");
  }

  @Test
  void idxGzTruncatedBodyIsFoundWhileReading() {
    byte[] bytes = withoutLast(TestDigits.idxImages(DIGITS.subList(0, 5)), 392);
    Path images = TestDigits.write(dir.resolve("cut-images-idx3-ubyte.gz"), bytes);

    String message = failure(() -> readIdx(new IdxFiles(images, null), 2, BadRecordPolicy.FAIL));

    assertThat(message)
        .contains(
            images.toString(),
            "byte offset 3544 (uncompressed)",
            "the data ends there",
            "byte offset 3152");
  }

  @Test
  void idxCountLargerThanTheData() {
    byte[] bytes = TestDigits.idxImages(DIGITS);
    bytes[7] = 30; // the count's low byte: 30 images claimed, 25 present
    Path images = TestDigits.write(dir.resolve("short-images-idx3-ubyte"), bytes);
    Path gz = TestDigits.write(dir.resolve("short-images-idx3-ubyte.gz"), bytes);

    assertThat(failure(() -> readIdx(new IdxFiles(images, null), 0, BadRecordPolicy.FAIL)))
        .contains(
            images.toString(),
            "byte offset 4",
            "30 images",
            "expected length 23536 bytes",
            "actual length 19616 bytes");
    assertThat(failure(() -> readIdx(new IdxFiles(gz, null), 3, BadRecordPolicy.FAIL)))
        .contains(gz.toString(), "byte offset 19616 (uncompressed)", "the data ends there");
  }

  @Test
  void idxLabelsCountMismatch() {
    Path images =
        TestDigits.write(dir.resolve("n-images-idx3-ubyte"), TestDigits.idxImages(DIGITS));
    Path labels =
        TestDigits.write(
            dir.resolve("n-labels-idx1-ubyte.gz"), TestDigits.idxLabels(DIGITS.subList(0, 24)));

    String message = failure(() -> readIdx(new IdxFiles(images, labels), 0, BadRecordPolicy.FAIL));

    assertThat(message)
        .isEqualTo(
            "Cannot read "
                + labels
                + ": byte offset 4: 24 labels, expected 25 (the number"
                + " of images in "
                + images
                + ")");
  }

  @Test
  void idxMissingFile() {
    Path images = dir.resolve("missing-images-idx3-ubyte");

    assertThat(failure(() -> readIdx(new IdxFiles(images, null), 0, BadRecordPolicy.FAIL)))
        .isEqualTo("Cannot read " + images + ": the file does not exist");
  }

  @Test
  void idxLabelAboveNine() {
    byte[] labelBytes = TestDigits.idxLabels(DIGITS);
    labelBytes[8 + 3] = 12;
    IdxFiles files =
        new IdxFiles(
            TestDigits.write(dir.resolve("l-images-idx3-ubyte"), TestDigits.idxImages(DIGITS)),
            TestDigits.write(dir.resolve("l-labels-idx1-ubyte"), labelBytes));
    String expected = "Cannot read " + files.labels() + ": byte offset 11: label 12, expected 0-9";

    assertThat(failure(() -> readIdx(files, 2, BadRecordPolicy.FAIL))).isEqualTo(expected);

    List<DigitRecord> read = readIdx(files, 2, BadRecordPolicy.QUARANTINE);
    assertThat(read).hasSize(DIGITS.size());
    assertThat(read.get(3).isRejected()).isTrue();
    assertThat(read.get(3).getError()).isEqualTo(expected);
    assertThat(read.get(3).getId()).isEqualTo(4);
    assertThat(read.get(3).getPosition()).isEqualTo("byte offset 11");
    assertThat(read.stream().filter(r -> !r.isRejected()).collect(Collectors.toList()))
        .containsExactlyElementsOf(
            DIGITS.stream().filter(d -> d.getId() != 4).collect(Collectors.toList()));
  }

  // ---- Kaggle CSV

  /** The 25 digits as CSV with data row {@code row} (1-based; line row + 1) changed. */
  private Path csvWith(String name, int row, UnaryOperator<String> change) {
    List<String> lines = TestDigits.csvLines(DIGITS, true);
    lines.set(row, change.apply(lines.get(row)));
    return TestDigits.writeLines(dir.resolve(name), lines);
  }

  /** Replaces field {@code index} (0 is the label) of a CSV row. */
  private static UnaryOperator<String> field(int index, String value) {
    return line -> {
      String[] fields = line.split(",", -1);
      fields[index] = value;
      return String.join(",", fields);
    };
  }

  private static String failCsv(Path file) {
    return failure(
        () -> read(DataFormat.CSV, new DigitInput(file.toString(), null, 2), BadRecordPolicy.FAIL));
  }

  @Test
  void csvTooFewColumns() {
    Path file = csvWith("few.csv", 16, line -> line.substring(0, line.lastIndexOf(',')));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 17: 784 columns, expected 785 (label,pixel0..pixel783)");
  }

  @Test
  void csvTooManyColumns() {
    Path file = csvWith("many.csv", 16, line -> line + ",0");

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 17: 786 columns, expected 785 (label,pixel0..pixel783)");
  }

  @Test
  void csvNonNumericValue() {
    Path file = csvWith("text.csv", 16, field(13, "abc"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 17, column pixel12: value 'abc', expected an integer 0-255");
  }

  @Test
  void csvNaN() {
    Path file = csvWith("nan.csv", 16, field(13, "NaN"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 17, column pixel12: value 'NaN', expected an integer 0-255");
  }

  @Test
  void csvNegativeValue() {
    Path file = csvWith("negative.csv", 16, field(13, "-3"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 17, column pixel12: value '-3', expected an integer 0-255");
  }

  @Test
  void csvValueAbove255() {
    Path file = csvWith("big.csv", 2, field(784, "256"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 3, column pixel783: value '256', expected an integer 0-255");
  }

  @Test
  void csvFractionalValue() {
    Path file = csvWith("fraction.csv", 2, field(1, "12.5"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 3, column pixel0: value '12.5', expected an integer 0-255");
  }

  @Test
  void csvBadLabel() {
    Path file = csvWith("label.csv", 25, field(0, "12"));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read " + file + ": line 26, column label: value '12', expected an integer 0-9");
  }

  @Test
  void csvEmptyFile() {
    Path file = TestDigits.writeText(dir.resolve("empty.csv"), "");

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": the file is empty, expected a header line "
                + "'label,pixel0,...,pixel783' (785 columns, labelled) or 'pixel0,...,pixel783' (784 columns, unlabelled)");
  }

  @Test
  void csvHeaderWithoutRows() {
    Path file =
        TestDigits.writeLines(dir.resolve("header.csv.gz"), List.of(TestDigits.csvHeader(true)));

    assertThat(failCsv(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": the file has a header but no rows, expected at"
                + " least one row after line 1");
  }

  @Test
  void csvBadHeader() {
    List<String> lines = TestDigits.csvLines(DIGITS, true);
    lines.set(0, lines.get(0).replace("pixel5,", "pixel_5,"));
    Path renamed = TestDigits.writeLines(dir.resolve("renamed.csv"), lines);
    Path other = TestDigits.writeLines(dir.resolve("other.csv"), List.of("ImageId,Label", "1,2"));

    assertThat(failCsv(renamed))
        .startsWith(
            "Cannot read "
                + renamed
                + ": line 1, column 7: header 'pixel_5',"
                + " expected 'pixel5'");
    assertThat(failCsv(other))
        .isEqualTo(
            "Cannot read "
                + other
                + ": line 1, column 1: header 'ImageId', expected"
                + " 'pixel0': the header must be 'label,pixel0,...,pixel783' (785 columns, labelled) or"
                + " 'pixel0,...,pixel783' (784 columns, unlabelled)");
  }

  @Test
  void csvMissingFile() {
    Path file = dir.resolve("nothing.csv");

    assertThat(failCsv(file)).isEqualTo("Cannot read " + file + ": the file does not exist");
  }

  @Test
  void csvQuarantineKeepsGoodRowsAndRejectsBadOnes() {
    List<String> lines = TestDigits.csvLines(DIGITS, true);
    lines.set(2, field(13, "NaN").apply(lines.get(2)));
    lines.set(10, lines.get(10) + ",1");
    lines.set(20, field(0, "x").apply(lines.get(20)));
    Path file = TestDigits.writeLines(dir.resolve("mixed.csv"), lines);

    List<DigitRecord> read =
        read(DataFormat.CSV, new DigitInput(file.toString(), null, 3), BadRecordPolicy.QUARANTINE);

    List<DigitRecord> rejected =
        read.stream().filter(DigitRecord::isRejected).collect(Collectors.toList());
    List<DigitRecord> good =
        read.stream().filter(r -> !r.isRejected()).collect(Collectors.toList());
    assertThat(read).hasSize(DIGITS.size());
    assertThat(good).hasSize(22);
    assertThat(rejected).extracting(DigitRecord::getId).containsExactly(2L, 10L, 20L);
    assertThat(rejected)
        .extracting(DigitRecord::getPosition)
        .containsExactly("line 3", "line 11", "line 21");
    assertThat(rejected.get(0).getError())
        .isEqualTo(
            "Cannot read "
                + file
                + ": line 3, column pixel12: value"
                + " 'NaN', expected an integer 0-255");
    assertThat(rejected.get(1).getError()).contains("line 11: 786 columns");
    assertThat(rejected.get(2).getError()).contains("line 21, column label: value 'x'");
    assertThat(good)
        .containsExactlyElementsOf(
            DIGITS.stream()
                .filter(d -> d.getId() != 2 && d.getId() != 10 && d.getId() != 20)
                .collect(Collectors.toList()));
  }

  // ---- Parquet

  private static String failParquet(Path file) {
    return failure(
        () -> read(DataFormat.PARQUET, DigitInput.of(file.toString()), BadRecordPolicy.FAIL));
  }

  @Test
  void parquetWithoutPixelsColumn() {
    StructType schema =
        new StructType(
            new StructField[] {
              DataTypes.createStructField("label", DataTypes.IntegerType, true),
              DataTypes.createStructField("image", DataTypes.BinaryType, true)
            });
    Path file = dir.resolve("nopixels.parquet");
    spark
        .createDataFrame(List.of(RowFactory.create(1, new byte[784])), schema)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(file.toString());

    assertThat(failParquet(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": no column 'pixels' (columns: label, image),"
                + " expected pixels as array<int> of 784 values 0-255 or binary of 784 bytes");
  }

  @Test
  void parquetPixelsOfTheWrongType() {
    StructType schema =
        new StructType(
            new StructField[] {DataTypes.createStructField("pixels", DataTypes.StringType, true)});
    Path file = dir.resolve("strings.parquet");
    spark
        .createDataFrame(List.of(RowFactory.create("0,0,0")), schema)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(file.toString());

    assertThat(failParquet(file))
        .isEqualTo(
            "Cannot read "
                + file
                + ": column pixels: type string, expected"
                + " array<int> of 784 values 0-255 or binary of 784 bytes");
  }

  @Test
  void parquetWrongLength() {
    List<DigitRecord> digits = TestDigits.random(25, 7);
    digits.get(3).setPixels(Arrays.copyOf(digits.get(3).getPixels(), 783));
    Path array = TestParquet.writeArray(spark, dir.resolve("short-array.parquet"), digits, false);
    Path binary = TestParquet.writeBinary(spark, dir.resolve("short-binary.parquet"), digits);

    assertThat(failParquet(array))
        .contains(
            array.toString(), ".parquet: row 4, column pixels: 783 values," + " expected 784");
    assertThat(failParquet(binary))
        .contains(
            binary.toString(), ".parquet: row 4, column pixels: 783 bytes," + " expected 784");
  }

  @Test
  void parquetValueOutOfRangeAndBadLabelFollowThePolicy() {
    StructType schema =
        new StructType(
            new StructField[] {
              DataTypes.createStructField("label", DataTypes.IntegerType, true),
              DataTypes.createStructField(
                  "pixels", DataTypes.createArrayType(DataTypes.IntegerType), true)
            });
    List<Integer> tooBright = TestDigits.pixelList(DIGITS.get(1).getPixels());
    tooBright.set(12, 300);
    Path file = dir.resolve("range.parquet");
    spark
        .createDataFrame(
            List.of(
                RowFactory.create(
                    DIGITS.get(0).getLabel(), TestDigits.pixelList(DIGITS.get(0).getPixels())),
                RowFactory.create(DIGITS.get(1).getLabel(), tooBright),
                RowFactory.create(11, TestDigits.pixelList(DIGITS.get(2).getPixels())),
                RowFactory.create(null, null)),
            schema)
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(file.toString());

    assertThat(failParquet(file))
        .contains(file.toString(), "row 2, column pixels[12]: value 300, expected 0-255");

    List<DigitRecord> read =
        read(DataFormat.PARQUET, DigitInput.of(file.toString()), BadRecordPolicy.QUARANTINE);
    assertThat(read).hasSize(4);
    assertThat(read.get(0)).isEqualTo(DIGITS.get(0));
    assertThat(read.subList(1, 4)).allSatisfy(r -> assertThat(r.isRejected()).isTrue());
    assertThat(read.get(2).getError())
        .contains(file.toString(), "row 3, column label: value 11, expected 0-9");
    assertThat(read.get(3).getError())
        .contains(file.toString(), "row 4, column pixels: value null, expected");
    assertThat(read)
        .extracting(DigitRecord::getPosition)
        .containsExactly("row 1", "row 2", "row 3", "row 4");
  }

  @Test
  void parquetMissingPath() {
    Path file = dir.resolve("nothing.parquet");

    assertThat(failParquet(file)).isEqualTo("Cannot read " + file + ": the file does not exist");
  }
}
