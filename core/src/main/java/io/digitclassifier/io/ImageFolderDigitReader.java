package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.image.ImageDecodeException;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.image.NoDigitException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Reads a folder of digit images (PNG, JPEG, BMP, GIF), sub-folders included, each made an MNIST
 * digit by {@link ImagePreprocessor}.
 *
 * <p>Files are found and read by Spark's {@code binaryFile} source. Only names ending in {@code
 * .png}, {@code .jpg}, {@code .jpeg}, {@code .bmp} or {@code .gif} (in any case) are read; other
 * files are ignored, and so are files and folders whose name starts with {@code _} or {@code .},
 * which Spark treats as hidden.
 *
 * <p>Each image becomes one record: {@code source} is its path as Spark gives it ({@code
 * file:/...}), position {@code file}, the label its parent folder's name when that is a single
 * digit 0-9 ({@code digits/7/a.png} is a 7) and null otherwise, and the id its 1-based rank in path
 * order, so the same folder always gives the same ids. Records come in that order. An image that
 * cannot be decoded or shows no ink follows the {@link BadRecordPolicy}; a missing folder, or one
 * without image files, is a {@link BadInputException}.
 */
public class ImageFolderDigitReader implements DigitReader {
  private static final Logger LOG = LoggerFactory.getLogger(ImageFolderDigitReader.class);

  /** The names read, compared in lower case. */
  static final List<String> EXTENSIONS =
      List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp");

  static final String POSITION = "file";

  /** The kinds of image read, as messages name them. */
  static final String KINDS = "PNG, JPEG, BMP, GIF, TIFF, WebP";

  static final String EXPECTED = "expected a PNG, JPEG, BMP, GIF, TIFF or WebP image";

  /** Names of skipped files a summary shows, at most. */
  static final int SKIPPED_EXAMPLES = 5;

  static final String EXPECTED_DIGIT = "expected an image of one handwritten digit";

  private static final String PATH = "path";
  private static final String CONTENT = "content";

  /**
   * Whether any image file below the folder lies in a folder named {@code 0}..{@code 9} (a listing,
   * no reads).
   */
  @Override
  public boolean hasLabels(SparkSession spark, DigitInput input) {
    return imageFiles(spark, input.path()).stream()
        .anyMatch(f -> labelOf(f.getPath().toString()) != null);
  }

  @Override
  public JavaRDD<DigitRecord> read(SparkSession spark, DigitInput input, BadRecordPolicy policy) {
    String folder = input.path();
    checkExists(spark, folder);
    // The glob is applied while listing, so other files are never opened (binaryFile reads content
    // eagerly).
    Dataset<Row> files =
        spark
            .read()
            .format("binaryFile")
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", glob())
            .load(folder);

    // Only the path column: binaryFile then reads no file content.
    List<String> paths = new ArrayList<>(files.select(PATH).as(Encoders.STRING()).collectAsList());
    // Spark's file sources make no split for a zero-length file, so binaryFile silently drops it:
    // list those
    // here, so that an empty image is a bad record like any other instead of vanishing.
    List<String> empty = emptyImages(spark, folder);
    paths.addAll(empty);
    if (paths.isEmpty()) {
      throw new BadInputException(
          "Cannot read "
              + folder
              + ": no image files ("
              + String.join(", ", EXTENSIONS)
              + ") in the folder or its sub-folders");
    }
    paths.sort(null);
    int count = paths.size();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions = input.partitions() > 0 ? input.partitions() : jsc.defaultParallelism();
    partitions = Math.max(1, Math.min(partitions, count));
    // Partition p holds the paths ranked starts[p] .. starts[p + 1] - 1 (0-based), so ids need no
    // extra job.
    long[] starts = new long[partitions];
    String[] lowerBounds = new String[partitions - 1];
    for (int p = 0; p < partitions; p++) {
      starts[p] = (long) count * p / partitions;
      if (p > 0) lowerBounds[p - 1] = paths.get((int) starts[p]);
    }
    LOG.info("Reading {} images from {} in {} partitions", count, folder, partitions);

    // Images are prepared where they are read; only the 784-byte digits are shuffled into path
    // order.
    JavaPairRDD<String, DigitRecord> prepared =
        files
            .select(PATH, CONTENT)
            .javaRDD()
            .mapToPair(
                row ->
                    new Tuple2<>(
                        row.getString(0), toRecord(row.getString(0), (byte[]) row.get(1), policy)));
    if (!empty.isEmpty()) {
      List<Tuple2<String, DigitRecord>> rejected = new ArrayList<>();
      for (String p : empty) rejected.add(new Tuple2<>(p, toRecord(p, new byte[0], policy)));
      prepared = prepared.union(jsc.parallelizePairs(rejected, 1));
    }
    return prepared
        .repartitionAndSortWithinPartitions(new PathRangePartitioner(lowerBounds))
        .mapPartitionsWithIndex((partition, it) -> numbered(it, starts[partition] + 1), true);
  }

  /** Whether a file name is one this reader reads. */
  static boolean isImageName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(lower::endsWith);
  }

  /** {@link #EXTENSIONS} as a case-insensitive Hadoop glob: {@code *.{[pP][nN][gG],...}}. */
  static String glob() {
    List<String> alternatives = new ArrayList<>();
    for (String extension : EXTENSIONS) {
      StringBuilder sb = new StringBuilder();
      for (char c : extension.substring(1).toCharArray()) {
        sb.append('[')
            .append(Character.toLowerCase(c))
            .append(Character.toUpperCase(c))
            .append(']');
      }
      alternatives.add(sb.toString());
    }
    return "*.{" + String.join(",", alternatives) + "}";
  }

  /**
   * One image as a record with id 0 (numbered after sorting), or rejected, or a failure, as the
   * policy says.
   */
  static DigitRecord toRecord(String path, byte[] content, BadRecordPolicy policy) {
    try {
      return new DigitRecord(0, labelOf(path), ImagePreprocessor.toMnist(content), path, POSITION);
    } catch (ImageDecodeException e) {
      String message =
          "Cannot read "
              + path
              + ": "
              + e.getMessage()
              + ", "
              + (e instanceof NoDigitException ? EXPECTED_DIGIT : EXPECTED);
      if (policy == BadRecordPolicy.FAIL) throw new BadInputException(message, e);
      return DigitRecord.rejected(0, path, POSITION, message);
    }
  }

  /** The parent folder's name as a label when it is one digit, else null. */
  static Integer labelOf(String path) {
    int slash = path.lastIndexOf('/');
    if (slash <= 0) return null;
    int before = path.lastIndexOf('/', slash - 1);
    String parent = path.substring(before + 1, slash);
    return parent.length() == 1 && parent.charAt(0) >= '0' && parent.charAt(0) <= '9'
        ? parent.charAt(0) - '0'
        : null;
  }

  private static Iterator<DigitRecord> numbered(
      Iterator<Tuple2<String, DigitRecord>> records, long firstId) {
    return new Iterator<>() {
      private long id = firstId;

      @Override
      public boolean hasNext() {
        return records.hasNext();
      }

      @Override
      public DigitRecord next() {
        DigitRecord record = records.next()._2();
        record.setId(id++);
        return record;
      }
    };
  }

  /**
   * The files below {@code folder} that are not of a kind this reader reads ({@link #EXTENSIONS}: a
   * {@code .heic}, a {@code .txt}), skipping what Spark skips (names starting with _ or .): they
   * are neither scored nor rejected, so the job counts them and names a few, rather than letting
   * them vanish.
   */
  public static SkippedFiles skippedFiles(SparkSession spark, String folder) {
    long count = 0;
    List<String> examples = new ArrayList<>();
    for (FileStatus f : listFiles(spark, folder)) {
      if (isImageName(f.getPath().getName())) continue;
      count++;
      if (examples.size() < SKIPPED_EXAMPLES) examples.add(f.getPath().toString());
    }
    return new SkippedFiles(count, examples);
  }

  /**
   * Files in an image folder that are not images the reader reads: how many, and the first few
   * paths.
   */
  public record SkippedFiles(long count, List<String> examples) implements java.io.Serializable {
    /** For the job's log line and the report: how many, of what, and the first few paths. */
    public String describe() {
      return String.format(
          Locale.ROOT,
          "%,d file(s) not of a kind the folder reader reads (%s), neither scored nor "
              + "rejected: %s%s",
          count,
          KINDS,
          String.join(", ", examples),
          count > examples.size() ? ", ..." : "");
    }
  }

  /**
   * Zero-length image files below {@code folder}, skipping what Spark skips (names starting with _
   * or .).
   */
  private static List<String> emptyImages(SparkSession spark, String folder) {
    List<String> out = new ArrayList<>();
    for (FileStatus f : imageFiles(spark, folder)) {
      if (f.getLen() == 0) out.add(f.getPath().toString());
    }
    return out;
  }

  /**
   * The image files below {@code folder}, skipping what Spark skips (names starting with _ or .),
   * by a listing.
   */
  private static List<FileStatus> imageFiles(SparkSession spark, String folder) {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus f : listFiles(spark, folder)) {
      if (isImageName(f.getPath().getName())) out.add(f);
    }
    return out;
  }

  /** Every file below {@code folder}, skipping what Spark skips (names starting with _ or .). */
  private static List<FileStatus> listFiles(SparkSession spark, String folder) {
    List<FileStatus> out = new ArrayList<>();
    try {
      Path root = new Path(folder);
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path qualifiedRoot = fs.makeQualified(root);
      var it = fs.listFiles(qualifiedRoot, true);
      while (it.hasNext()) {
        var status = it.next();
        String relative = qualifiedRoot.toUri().relativize(status.getPath().toUri()).getPath();
        boolean hidden =
            Arrays.stream(relative.split("/"))
                .anyMatch(s -> s.startsWith("_") || s.startsWith("."));
        if (!hidden) out.add(status);
      }
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + folder + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static void checkExists(SparkSession spark, String folder) {
    try {
      Path path = new Path(folder);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path))
        throw new BadInputException("Cannot read " + folder + ": the folder does not exist");
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("Cannot read " + folder + ": " + e.getMessage(), e);
    }
  }

  /** Sends a path to the partition whose range of the sorted paths holds it. */
  static final class PathRangePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    /** The first path of partitions 1, 2, ...; partition 0 takes everything before. */
    private final String[] lowerBounds;

    PathRangePartitioner(String[] lowerBounds) {
      this.lowerBounds = lowerBounds;
    }

    @Override
    public int numPartitions() {
      return lowerBounds.length + 1;
    }

    @Override
    public int getPartition(Object key) {
      int i = Arrays.binarySearch(lowerBounds, (String) key);
      return i >= 0 ? i + 1 : -(i + 1);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PathRangePartitioner
          && Arrays.equals(lowerBounds, ((PathRangePartitioner) o).lowerBounds);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(lowerBounds);
    }
  }
}
