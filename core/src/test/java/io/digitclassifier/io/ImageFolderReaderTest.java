package io.digitclassifier.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.image.ImagePreprocessor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A folder of digit images read as records: labels from folder names, ids by path, bad files by the
 * policy.
 */
class ImageFolderReaderTest extends SparkTestBase {
  private static final String EXPECTED = "expected a PNG, JPEG, BMP, GIF, TIFF or WebP image";

  @TempDir static Path dir;
  private static Path digits;

  /** The image files of {@link #digits} in path order, and the label each should get. */
  private static List<Path> files;

  private static final Integer[] LABELS = {0, 0, 7, null, null};

  @BeforeAll
  static void writeFixtures() {
    digits = dir.resolve("digits");
    byte[] zero = TestDigits.drawnDigit(0);
    byte[] seven = TestDigits.drawnDigit(7);
    files =
        List.of(
            image(digits.resolve("0/a.png"), TestDigits.digitImage(zero, 100, true), "png"),
            image(digits.resolve("0/b.JPG"), TestDigits.digitImage(zero, 80, false), "jpg"),
            image(digits.resolve("7/c.bmp"), TestDigits.digitImage(seven, 60, true), "bmp"),
            // The parent of a file decides: "more" is not a digit.
            image(digits.resolve("7/more/e.gif"), TestDigits.digitImage(seven, 90, true), "gif"),
            image(digits.resolve("loose.PNG"), TestDigits.digitImage(seven, 28, false), "png"));
    TestDigits.writeText(digits.resolve("notes.txt"), "not a digit\n");
    TestDigits.writeText(digits.resolve("7/labels.csv"), "file,label\nc.bmp,7\n");
  }

  private static Path image(Path file, BufferedImage image, String format) {
    return write(file, TestDigits.encode(image, format));
  }

  private static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return TestDigits.write(file, bytes);
  }

  /** The path as Spark's binaryFile source names a local file. */
  private static String sparkPath(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  private static List<DigitRecord> read(Path folder, int partitions, BadRecordPolicy policy) {
    return DataFormat.IMAGES
        .reader()
        .read(spark, new DigitInput(folder.toString(), null, partitions), policy)
        .collect();
  }

  private static String failure(Runnable read) {
    Throwable thrown = catchThrowable(read::run);
    BadInputException bad = BadInputException.find(thrown);
    assertThat(bad).as("a BadInputException in %s", thrown).isNotNull();
    return bad.getMessage();
  }

  @Test
  void readsEveryImageWithItsFolderLabelAndAnIdByPath() throws IOException {
    DigitInput input = DigitInput.of(digits.toString());
    List<DigitRecord> read =
        DataFormat.detect(input.path()).reader().read(spark, input, BadRecordPolicy.FAIL).collect();

    assertThat(read).hasSize(files.size());
    for (int i = 0; i < files.size(); i++) {
      DigitRecord r = read.get(i);
      Path file = files.get(i);
      assertThat(r.getId()).as("id of %s", file).isEqualTo(i + 1);
      assertThat(r.getSource()).isEqualTo(sparkPath(file));
      assertThat(r.getPosition()).isEqualTo("file");
      assertThat(r.getLabel()).as("label of %s", file).isEqualTo(LABELS[i]);
      assertThat(r.isRejected()).isFalse();
      assertThat(r.getPixels()).isEqualTo(ImagePreprocessor.toMnist(Files.readAllBytes(file)));
    }
  }

  @ParameterizedTest(name = "{0} partitions")
  @ValueSource(ints = {1, 2, 3, 9})
  void theSameFolderGivesTheSameRecordsWhateverTheParallelism(int partitions) {
    List<DigitRecord> expected = read(digits, 0, BadRecordPolicy.FAIL);

    List<DigitRecord> read = read(digits, partitions, BadRecordPolicy.FAIL);

    assertThat(read).containsExactlyElementsOf(expected);
    assertThat(read.stream().map(DigitRecord::getSource).collect(Collectors.toList()))
        .containsExactlyElementsOf(
            expected.stream().map(DigitRecord::getSource).collect(Collectors.toList()));
  }

  @Test
  void aCorruptImageFailsNamingTheFile() {
    Path folder = dir.resolve("corrupt");
    image(
        folder.resolve("3/good.png"),
        TestDigits.digitImage(TestDigits.drawnDigit(7), 50, true),
        "png");
    Path bad =
        write(
            folder.resolve("3/bad.png"), "<html>not found</html>".getBytes(StandardCharsets.UTF_8));

    String message = failure(() -> read(folder, 2, BadRecordPolicy.FAIL));

    assertThat(message).isEqualTo("Cannot read " + sparkPath(bad) + ": not an image, " + EXPECTED);
  }

  @Test
  void badImagesAreQuarantinedWithTheirReason() {
    Path folder = dir.resolve("mixed");
    byte[] png =
        TestDigits.encode(TestDigits.digitImage(TestDigits.drawnDigit(7), 50, true), "png");
    Path truncated = write(folder.resolve("3/a-truncated.png"), Arrays.copyOf(png, png.length / 2));
    Path good = write(folder.resolve("3/b-good.png"), png);
    BufferedImage white = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = white.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 40, 40);
    g.dispose();
    Path blank = image(folder.resolve("5/blank.jpg"), white, "jpg");
    Path alsoGood =
        image(
            folder.resolve("5/good.bmp"),
            TestDigits.digitImage(TestDigits.drawnDigit(0), 50, true),
            "bmp");

    List<DigitRecord> read = read(folder, 2, BadRecordPolicy.QUARANTINE);

    List<DigitRecord> rejected =
        read.stream().filter(DigitRecord::isRejected).collect(Collectors.toList());
    List<DigitRecord> scored =
        read.stream().filter(r -> !r.isRejected()).collect(Collectors.toList());
    assertThat(read).hasSize(rejected.size() + scored.size()).hasSize(4);
    assertThat(scored)
        .extracting(DigitRecord::getId, DigitRecord::getSource, DigitRecord::getLabel)
        .containsExactly(tuple(2L, sparkPath(good), 3), tuple(4L, sparkPath(alsoGood), 5));
    assertThat(rejected)
        .extracting(DigitRecord::getId, DigitRecord::getSource, DigitRecord::getPosition)
        .containsExactly(
            tuple(1L, sparkPath(truncated), "file"), tuple(3L, sparkPath(blank), "file"));
    assertThat(rejected.get(0).getError())
        .startsWith("Cannot read " + sparkPath(truncated) + ": truncated or corrupt PNG (")
        .endsWith(EXPECTED);
    assertThat(rejected.get(1).getError())
        .isEqualTo(
            "Cannot read "
                + sparkPath(blank)
                + ": no ink found (blank image), expected an image of one "
                + "handwritten digit");
    assertThat(rejected).allSatisfy(r -> assertThat(r.getPixels()).isNull());
  }

  @Test
  void aFolderWithoutImagesFailsNamingIt() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Path textOnly = dir.resolve("text-only");
    TestDigits.writeText(
        Files.createDirectories(textOnly.resolve("7")).resolve("readme.txt"), "hello\n");

    for (Path folder : List.of(empty, textOnly)) {
      assertThat(failure(() -> read(folder, 0, BadRecordPolicy.QUARANTINE)))
          .isEqualTo(
              "Cannot read "
                  + folder
                  + ": no image files (.png, .jpg, .jpeg, .bmp, .gif, .tif, .tiff, .webp) in the folder or its sub-folders");
    }
  }

  @Test
  void aMissingFolderFailsNamingIt() {
    Path missing = dir.resolve("no-such-folder");

    assertThat(failure(() -> read(missing, 0, BadRecordPolicy.FAIL)))
        .isEqualTo("Cannot read " + missing + ": the folder does not exist");
  }

  @Test
  void aFolderOfImagesIsDetectedAndNamed() throws IOException {
    assertThat(DataFormat.detect(digits.toString())).isEqualTo(DataFormat.IMAGES);

    Path textOnly = Files.createDirectories(dir.resolve("detect-text-only"));
    TestDigits.writeText(textOnly.resolve("readme.txt"), "hello\n");
    assertThatThrownBy(() -> DataFormat.detect(textOnly.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "a folder of images (.png, .jpg, .jpeg, .bmp, .gif, .tif, .tiff, .webp)")
        .hasMessageEndingWith("--data-format idx|csv|parquet|images");
  }
}
