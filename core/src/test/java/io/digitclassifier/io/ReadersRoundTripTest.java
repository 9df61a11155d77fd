package io.digitclassifier.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.TestDigits.IdxFiles;
import io.digitclassifier.TestParquet;
import io.digitclassifier.data.DigitRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The same 25 digits, written in every format, read back identical by every reader. */
class ReadersRoundTripTest extends SparkTestBase {
  private static final List<DigitRecord> DIGITS = TestDigits.random(25, 42);

  @TempDir static Path dir;
  private static IdxFiles idx;
  private static IdxFiles idxGz;
  private static Path csv;
  private static Path csvGz;
  private static Path csvUnlabelled;
  private static Path parquetArray;
  private static Path parquetBinary;

  @BeforeAll
  static void writeFixtures() {
    idx = TestDigits.writeIdx(dir, "train", DIGITS, false);
    idxGz = TestDigits.writeIdx(dir, "gz", DIGITS, true);
    csv = TestDigits.writeCsv(dir.resolve("train.csv"), DIGITS, true);
    csvGz = TestDigits.writeCsv(dir.resolve("train.csv.gz"), DIGITS, true);
    csvUnlabelled = TestDigits.writeCsv(dir.resolve("test.csv"), DIGITS, false);
    // Without an id column, so that the reader's own numbering is what is checked.
    parquetArray = TestParquet.writeArray(spark, dir.resolve("array.parquet"), DIGITS, false);
    parquetBinary = TestParquet.writeBinary(spark, dir.resolve("binary.parquet"), DIGITS);
  }

  static Stream<Arguments> labelledInputs() {
    return Stream.of(0, 1, 3)
        .flatMap(
            partitions ->
                Stream.of(
                    Arguments.of(
                        "idx",
                        new DigitInput(
                            idx.images().toString(), idx.labels().toString(), partitions)),
                    Arguments.of(
                        "idx.gz",
                        new DigitInput(
                            idxGz.images().toString(), idxGz.labels().toString(), partitions)),
                    Arguments.of("csv", new DigitInput(csv.toString(), null, partitions)),
                    Arguments.of("csv.gz", new DigitInput(csvGz.toString(), null, partitions)),
                    Arguments.of(
                        "parquet array<int>",
                        new DigitInput(parquetArray.toString(), null, partitions)),
                    Arguments.of(
                        "parquet binary",
                        new DigitInput(parquetBinary.toString(), null, partitions))));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("labelledInputs")
  void everyReaderReturnsTheSameDigits(String name, DigitInput input) {
    JavaRDD<DigitRecord> rdd =
        DataFormat.detect(input.path()).reader().read(spark, input, BadRecordPolicy.FAIL);
    List<DigitRecord> read = rdd.collect();

    assertThat(read).containsExactlyElementsOf(DIGITS);
    assertThat(read)
        .allSatisfy(
            r -> {
              assertThat(r.isRejected()).isFalse();
              assertThat(r.getSource()).contains(Path.of(input.path()).getFileName().toString());
              assertThat(r.getPosition()).matches("(line|row|byte offset) \\d+");
            });
  }

  static Stream<Arguments> inputsWithDefaultPartitions() {
    return labelledInputs().filter(a -> ((DigitInput) a.get()[1]).partitions() == 0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inputsWithDefaultPartitions")
  void byDefaultEveryReaderGivesEveryCoreAPartition(String name, DigitInput input) {
    // Each fixture is one small file: a single scan split, or a single gzip stream, for the CSV and
    // Parquet readers.
    JavaRDD<DigitRecord> rdd =
        DataFormat.detect(input.path()).reader().read(spark, input, BadRecordPolicy.FAIL);

    assertThat(rdd.getNumPartitions())
        .isGreaterThanOrEqualTo(spark.sparkContext().defaultParallelism());
    assertThat(rdd.glom().collect()).allSatisfy(partition -> assertThat(partition).isNotEmpty());
    assertThat(rdd.collect()).containsExactlyElementsOf(DIGITS);
  }

  @Test
  void parquetSplitIntoMorePartitionsThanRowGroupsStillGivesEveryCoreRows() {
    // Byte-range splits far smaller than the file: Spark makes many scan partitions, all but one of
    // them empty,
    // since the file's single row group belongs to one split.
    String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
    spark.conf().set("spark.sql.files.maxPartitionBytes", "2048");
    spark.conf().set("spark.sql.files.openCostInBytes", "0");
    try {
      JavaRDD<DigitRecord> rdd =
          new ParquetDigitReader()
              .read(spark, DigitInput.of(parquetBinary.toString()), BadRecordPolicy.FAIL);

      assertThat(rdd.glom().collect())
          .hasSize(spark.sparkContext().defaultParallelism())
          .allSatisfy(partition -> assertThat(partition).isNotEmpty());
      assertThat(rdd.collect()).containsExactlyElementsOf(DIGITS);
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", before);
      spark.conf().unset("spark.sql.files.openCostInBytes");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void idxHonoursThePartitionCount(int partitions) {
    DigitInput input = new DigitInput(idx.images().toString(), idx.labels().toString(), partitions);
    JavaRDD<DigitRecord> rdd = new IdxDigitReader().read(spark, input, BadRecordPolicy.FAIL);

    assertThat(rdd.getNumPartitions()).isEqualTo(partitions);
    // Image i sits after the 16-byte header and i earlier images.
    assertThat(rdd.collect().get(2).getPosition()).isEqualTo("byte offset " + (16 + 2 * 784));
  }

  @Test
  void idxWithoutLabelsGivesNullLabels() {
    List<DigitRecord> read =
        new IdxDigitReader()
            .read(spark, DigitInput.of(idx.images().toString()), BadRecordPolicy.FAIL)
            .collect();

    assertThat(read).containsExactlyElementsOf(TestDigits.withoutLabels(DIGITS));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void csvWithoutLabelsGivesNullLabels(int partitions) {
    List<DigitRecord> read =
        new KaggleCsvDigitReader()
            .read(
                spark,
                new DigitInput(csvUnlabelled.toString(), null, partitions),
                BadRecordPolicy.FAIL)
            .collect();

    assertThat(read).containsExactlyElementsOf(TestDigits.withoutLabels(DIGITS));
    assertThat(read.get(0).getPosition()).isEqualTo("line 2");
  }

  @Test
  void csvAcceptsWindowsLineEndsIntegralFloatsAndABlankLastLine() {
    List<String> lines = TestDigits.csvLines(DIGITS, true);
    String row = lines.get(1);
    int comma = row.indexOf(',', row.indexOf(',') + 1);
    // "label,p0,p1..." -> "label,p0.0,p1...": the same value written as a float.
    lines.set(1, row.substring(0, comma) + ".0" + row.substring(comma));
    Path file =
        TestDigits.writeText(dir.resolve("windows.csv"), String.join("\r\n", lines) + "\r\n\r\n");

    List<DigitRecord> read =
        new KaggleCsvDigitReader()
            .read(spark, new DigitInput(file.toString(), null, 3), BadRecordPolicy.FAIL)
            .collect();

    assertThat(read).containsExactlyElementsOf(DIGITS);
  }

  @Test
  void parquetIdColumnIsKept() {
    Path file = TestParquet.writeArray(spark, dir.resolve("with-id.parquet"), DIGITS, true);

    List<DigitRecord> read =
        new ParquetDigitReader()
            .read(spark, DigitInput.of(file.toString()), BadRecordPolicy.FAIL)
            .collect();

    assertThat(read).containsExactlyElementsOf(DIGITS);
  }

  @Test
  void parquetDirectoryIsReadInFileNameOrder() throws IOException {
    // Files of different sizes: Spark would scan the largest first, which is not the name order.
    Path out = Files.createDirectory(dir.resolve("parts"));
    int[][] chunks = {{0, 3}, {3, 15}, {15, 25}};
    for (int i = 0; i < chunks.length; i++) {
      Path one =
          TestParquet.writeArray(
              spark,
              dir.resolve("chunk" + i + ".parquet"),
              DIGITS.subList(chunks[i][0], chunks[i][1]),
              false);
      try (Stream<Path> files = Files.list(one)) {
        Path part =
            files
                .filter(f -> f.getFileName().toString().endsWith(".parquet"))
                .findFirst()
                .orElseThrow();
        Files.copy(part, out.resolve("part-0000" + i + ".parquet"));
      }
    }

    List<DigitRecord> read =
        DataFormat.detect(out.toString())
            .reader()
            .read(spark, DigitInput.of(out.toString()), BadRecordPolicy.FAIL)
            .collect();

    assertThat(read).containsExactlyElementsOf(DIGITS);
    assertThat(read.get(3).getSource()).endsWith("part-00001.parquet");
    assertThat(read.get(3).getPosition()).isEqualTo("row 4");
  }

  @Test
  void digitParquetWritesIdLabelAndBinaryPixels() {
    assertThat(spark.read().parquet(parquetBinary.toString()).schema().simpleString())
        .isEqualTo("struct<id:bigint,label:int,pixels:binary>");
    try (Stream<Path> files = Files.list(parquetBinary)) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".parquet"))).hasSize(1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void detectPicksTheFormatFromTheName() {
    assertThat(DataFormat.detect(idx.images().toString())).isEqualTo(DataFormat.IDX);
    assertThat(DataFormat.detect(idxGz.images().toString())).isEqualTo(DataFormat.IDX);
    assertThat(DataFormat.detect("data/mnist/t10k-images.idx3-ubyte")).isEqualTo(DataFormat.IDX);
    assertThat(DataFormat.detect(csv.toString())).isEqualTo(DataFormat.CSV);
    assertThat(DataFormat.detect(csvGz.toString())).isEqualTo(DataFormat.CSV);
    assertThat(DataFormat.detect(parquetArray.toString())).isEqualTo(DataFormat.PARQUET);
    assertThat(DataFormat.detect(parquetBinary.toString())).isEqualTo(DataFormat.PARQUET);
  }

  @Test
  void labelsFileIsFoundBesideTheImagesFile() {
    assertThat(IdxDigitReader.labelsFileFor(idx.images().toString()))
        .isEqualTo(idx.labels().toString());
    assertThat(IdxDigitReader.labelsFileFor(idxGz.images().toString()))
        .isEqualTo(idxGz.labels().toString());
    assertThat(IdxDigitReader.labelsFileFor("file:" + idx.images()))
        .isEqualTo("file:" + idx.labels());
    assertThat(IdxDigitReader.labelsFileFor(dir.resolve("other-images-idx3-ubyte").toString()))
        .isNull();
    assertThat(IdxDigitReader.labelsFileFor(csv.toString())).isNull();
  }
}
