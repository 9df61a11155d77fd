package io.digitclassifier.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Reads Parquet with a {@code pixels} column (array&lt;int&gt; of 784 values or binary of 784
 * bytes) and optional {@code label} (int, nullable) and {@code id} (long or int) columns; a file or
 * a directory of files.
 *
 * <p>Without an {@code id} column, ids are 1, 2, ... in input order: the files in name order, rows
 * in file order. Rows are numbered the same way for messages ({@code row N}), which also name the
 * file the row came from.
 */
public class ParquetDigitReader implements DigitReader {
  private static final Logger LOG = LoggerFactory.getLogger(ParquetDigitReader.class);

  static final String PIXELS = "pixels";
  static final String LABEL = "label";
  static final String ID = "id";
  private static final String FILE = "__file";
  private static final String EXPECTED_PIXELS =
      "array<int> of " + Digits.PIXELS + " values 0-255 or binary of " + Digits.PIXELS + " bytes";

  @Override
  public boolean hasLabels(SparkSession spark, DigitInput input) {
    return field(load(spark, input.path()).schema(), LABEL) != null;
  }

  @Override
  public JavaRDD<DigitRecord> read(SparkSession spark, DigitInput input, BadRecordPolicy policy) {
    String path = input.path();
    Dataset<Row> all = load(spark, path);
    StructType schema = all.schema();

    StructField pixels = field(schema, PIXELS);
    if (pixels == null) {
      throw new BadInputException(
          "Cannot read "
              + path
              + ": no column '"
              + PIXELS
              + "' (columns: "
              + Arrays.stream(schema.fieldNames()).collect(Collectors.joining(", "))
              + "), expected "
              + PIXELS
              + " as "
              + EXPECTED_PIXELS);
    }
    boolean binary = pixels.dataType() instanceof BinaryType;
    if (!binary
        && !(pixels.dataType() instanceof ArrayType
            && isIntegral(((ArrayType) pixels.dataType()).elementType()))) {
      throw new BadInputException(
          "Cannot read "
              + path
              + ": column "
              + pixels.name()
              + ": type "
              + pixels.dataType().simpleString()
              + ", expected "
              + EXPECTED_PIXELS);
    }
    StructField label = field(schema, LABEL);
    if (label != null && !isIntegral(label.dataType())) {
      throw new BadInputException(
          "Cannot read "
              + path
              + ": column "
              + label.name()
              + ": type "
              + label.dataType().simpleString()
              + ", expected int (0-9, nullable)");
    }
    StructField id = field(schema, ID);
    if (id != null && !isIntegral(id.dataType())) {
      throw new BadInputException(
          "Cannot read "
              + path
              + ": column "
              + id.name()
              + ": type "
              + id.dataType().simpleString()
              + ", expected long or int");
    }

    // Spark packs the files of a scan into partitions largest first, which loses the name order
    // that ids and
    // row numbers follow; one scan per file, in name order, keeps it (union keeps the order of its
    // parts).
    String[] files = all.inputFiles().clone();
    Arrays.sort(files);
    Dataset<Row> ordered;
    if (files.length <= 1) {
      ordered = project(all, pixels, label, id);
    } else {
      ordered = null;
      for (String file : files) {
        Dataset<Row> one = project(spark.read().schema(schema).parquet(file), pixels, label, id);
        ordered = ordered == null ? one : ordered.union(one);
      }
    }

    // Row numbers from each scan partition's row count, counted by a scan of no column (Parquet
    // answers it from its row groups' metadata, decoding nothing): what zipWithIndex does, without
    // its job decoding every partition but the last. The counting scan has the same partitions as
    // the full one (a file scan's splits follow the files' sizes, not the columns read); each
    // partition checks its count all the same, so a mismatch fails instead of misnumbering.
    long[] counts = partitionCounts(ordered.select());
    int current = counts.length;
    long[] offsets = new long[current];
    for (int i = 1; i < current; i++) offsets[i] = offsets[i - 1] + counts[i - 1];
    JavaPairRDD<Row, Long> indexed =
        ordered
            .javaRDD()
            .mapPartitionsWithIndex(
                (partition, rows) -> numbered(path, partition, rows, offsets, counts), true)
            .mapToPair(t -> t);
    boolean hasLabel = label != null;
    boolean hasId = id != null;
    JavaRDD<DigitRecord> records;
    int wanted;
    boolean spread;
    if (input.partitions() > 0) {
      wanted = input.partitions();
      spread = wanted > current;
    } else {
      // By default every core gets rows. A small file is one scan partition, and Spark's byte-range
      // splits of a file with one row group leave all but one partition empty: either way it would
      // be scored on one core.
      wanted = spark.sparkContext().defaultParallelism();
      spread = Arrays.stream(counts).filter(n -> n > 0).count() < wanted;
    }
    if (spread) {
      // A shuffle; sorting by row index keeps the input order.
      records =
          indexed
              .mapToPair(
                  t ->
                      new Tuple2<>(
                          t._2(), toRecord(t._1(), t._2(), binary, hasLabel, hasId, policy)))
              .sortByKey(true, wanted)
              .values();
    } else {
      records = indexed.map(t -> toRecord(t._1(), t._2(), binary, hasLabel, hasId, policy));
      if (wanted < current && input.partitions() > 0) records = records.coalesce(wanted);
    }
    LOG.info(
        "Reading {} ({} file(s), pixels {}, label: {}, id: {}) in {} partitions",
        path,
        files.length,
        pixels.dataType().simpleString(),
        hasLabel,
        hasId,
        records.getNumPartitions());
    return records;
  }

  /** Each scan partition's rows, from a scan of no column. */
  private static long[] partitionCounts(Dataset<Row> noColumns) {
    List<Long> counts =
        noColumns
            .javaRDD()
            .mapPartitions(
                (Iterator<Row> it) -> {
                  long n = 0;
                  for (; it.hasNext(); it.next()) n++;
                  return List.of(n).iterator();
                })
            .collect();
    return counts.stream().mapToLong(Long::longValue).toArray();
  }

  /** A partition's rows with their row numbers, checked against the partition's count. */
  private static Iterator<Tuple2<Row, Long>> numbered(
      String path, int partition, Iterator<Row> rows, long[] offsets, long[] counts) {
    return new Iterator<>() {
      private long next = offsets[partition];
      private final long end = offsets[partition] + counts[partition];

      @Override
      public boolean hasNext() {
        boolean more = rows.hasNext();
        if (more ? next >= end : next != end) {
          throw new IllegalStateException(
              "Cannot number the rows of "
                  + path
                  + ": scan partition "
                  + partition
                  + " was counted "
                  + counts[partition]
                  + " rows but holds "
                  + (more ? "more" : String.valueOf(next - offsets[partition])));
        }
        return more;
      }

      @Override
      public Tuple2<Row, Long> next() {
        Row row = rows.next();
        return new Tuple2<>(row, next++);
      }
    };
  }

  private static Dataset<Row> load(SparkSession spark, String path) {
    try {
      return spark.read().parquet(path);
    } catch (Exception e) {
      // Scala does not declare AnalysisException, so javac will not let us catch it by name here.
      if (!(e instanceof AnalysisException)) throw e;
      if (!exists(spark, path)) {
        throw new BadInputException("Cannot read " + path + ": the file does not exist", e);
      }
      throw new BadInputException(
          "Cannot read "
              + path
              + ": "
              + ((AnalysisException) e).getSimpleMessage()
              + ", expected Parquet with a column "
              + PIXELS,
          e);
    }
  }

  private static boolean exists(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The columns in a fixed order: pixels, label, id, file; absent optional columns as typed nulls.
   */
  private static Dataset<Row> project(
      Dataset<Row> df, StructField pixels, StructField label, StructField id) {
    Column labelCol = label == null ? lit(null).cast(DataTypes.IntegerType) : col(label.name());
    Column idCol = id == null ? lit(null).cast(DataTypes.LongType) : col(id.name());
    return df.select(col(pixels.name()), labelCol, idCol, input_file_name().as(FILE));
  }

  static DigitRecord toRecord(
      Row row,
      long index,
      boolean binary,
      boolean hasLabel,
      boolean hasId,
      BadRecordPolicy policy) {
    String file = row.getString(3);
    long rowNumber = index + 1;
    String position = "row " + rowNumber;
    long id = rowNumber;
    try {
      if (hasId) {
        if (row.isNullAt(2)) {
          throw badCell(file, position, ID, "value null, expected a long");
        }
        id = ((Number) row.get(2)).longValue();
      }
      byte[] pixels = binary ? binaryPixels(row, file, position) : arrayPixels(row, file, position);
      Integer label = null;
      if (hasLabel && !row.isNullAt(1)) {
        long value = ((Number) row.get(1)).longValue();
        if (value < 0 || value > 9) {
          throw badCell(file, position, LABEL, "value " + value + ", expected 0-9");
        }
        label = (int) value;
      }
      return new DigitRecord(id, label, pixels, file, position);
    } catch (BadInputException e) {
      if (policy == BadRecordPolicy.FAIL) throw e;
      return DigitRecord.rejected(id, file, position, e.getMessage());
    }
  }

  private static byte[] binaryPixels(Row row, String file, String position) {
    if (row.isNullAt(0)) throw nullPixels(file, position);
    byte[] pixels = (byte[]) row.get(0);
    if (pixels.length != Digits.PIXELS) {
      throw badCell(file, position, PIXELS, pixels.length + " bytes, expected " + Digits.PIXELS);
    }
    // Copied so that a record never shares a buffer with the Parquet reader.
    return pixels.clone();
  }

  private static byte[] arrayPixels(Row row, String file, String position) {
    if (row.isNullAt(0)) throw nullPixels(file, position);
    List<Object> values = row.getList(0);
    if (values.size() != Digits.PIXELS) {
      throw badCell(file, position, PIXELS, values.size() + " values, expected " + Digits.PIXELS);
    }
    byte[] pixels = new byte[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) {
      Object v = values.get(i);
      long value = v == null ? -1 : ((Number) v).longValue();
      if (v == null || value < 0 || value > 255) {
        throw badCell(file, position, PIXELS + "[" + i + "]", "value " + v + ", expected 0-255");
      }
      pixels[i] = (byte) value;
    }
    return pixels;
  }

  private static BadInputException nullPixels(String file, String position) {
    return badCell(file, position, PIXELS, "value null, expected " + EXPECTED_PIXELS);
  }

  /** One bad cell: "Cannot read FILE: row N, column C: what was there, what was expected". */
  private static BadInputException badCell(
      String file, String position, String column, String problem) {
    return new BadInputException(
        "Cannot read " + file + ": " + position + ", column " + column + ": " + problem);
  }

  /** The field called {@code name}, matched without case as Spark SQL does by default, or null. */
  private static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().toLowerCase(Locale.ROOT).equals(name)) return f;
    }
    return null;
  }

  private static boolean isIntegral(DataType type) {
    return type instanceof IntegerType
        || type instanceof LongType
        || type instanceof ShortType
        || type instanceof ByteType;
  }
}
