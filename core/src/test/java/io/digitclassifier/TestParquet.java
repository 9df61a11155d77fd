package io.digitclassifier;

import io.digitclassifier.data.DigitRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Digits written as Parquet, which takes Spark: for the tests and the benchmarks (which depend on
 * this test jar). {@code ParquetDigitReader} reads both layouts written here.
 */
public final class TestParquet {
  /**
   * Up to this many rows go into one file, so that small sets stay one file and keep their order at
   * a glance.
   */
  static final long SINGLE_FILE_ROWS = 100_000;

  /** The binary layout: {@code id long, label int (nullable), pixels binary (784 bytes)}. */
  public static final StructType BINARY =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("label", DataTypes.IntegerType, true),
            DataTypes.createStructField("pixels", DataTypes.BinaryType, false)
          });

  private TestParquet() {}

  /**
   * Writes {@code pixels} as binary with {@code id} and {@code label} (the compact layout) in one
   * file.
   */
  public static Path writeBinary(SparkSession spark, Path dir, List<DigitRecord> digits) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    writeBinary(spark, jsc.parallelize(digits, 2), dir.toString());
    return dir;
  }

  /**
   * Writes {@code records} (pixels set) in the binary layout to {@code path}, replacing what is
   * there.
   */
  public static void writeBinary(SparkSession spark, JavaRDD<DigitRecord> records, String path) {
    JavaRDD<Row> rows = records.map(r -> RowFactory.create(r.getId(), r.getLabel(), r.getPixels()));
    Dataset<Row> df = spark.createDataFrame(rows, BINARY);
    // coalesce keeps the partitions' order, so a single file has the rows in input order.
    if (records.count() <= SINGLE_FILE_ROWS) df = df.coalesce(1);
    df.write().mode(SaveMode.Overwrite).parquet(path);
  }

  /**
   * Writes {@code label int, pixels array<int>} and, when {@code withId}, {@code id long}, in one
   * file.
   */
  public static Path writeArray(
      SparkSession spark, Path dir, List<DigitRecord> digits, boolean withId) {
    List<StructField> fields = new ArrayList<>();
    if (withId) fields.add(DataTypes.createStructField("id", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, true));
    fields.add(
        DataTypes.createStructField(
            "pixels", DataTypes.createArrayType(DataTypes.IntegerType), true));
    List<Row> rows = new ArrayList<>(digits.size());
    for (DigitRecord d : digits) {
      List<Object> values = new ArrayList<>(3);
      if (withId) values.add(d.getId());
      values.add(d.getLabel());
      values.add(d.getPixels() == null ? null : TestDigits.pixelList(d.getPixels()));
      rows.add(RowFactory.create(values.toArray()));
    }
    spark
        .createDataFrame(rows, new StructType(fields.toArray(new StructField[0])))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(dir.toString());
    return dir;
  }
}
