package io.digitclassifier.io;

import io.digitclassifier.data.DigitRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes digit records as Parquet: {@code id long, label int (nullable), pixels binary (784 bytes)}.
 *
 * <p>Writers write binary pixels (a quarter of the size of array&lt;int&gt;); {@link ParquetDigitReader} accepts
 * both.
 */
public final class DigitParquet {
  /** Up to this many rows go into one file, so that small sets stay one file and keep their order at a glance. */
  static final long SINGLE_FILE_ROWS = 100_000;

  /** The schema written. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField("id", DataTypes.LongType, false),
      DataTypes.createStructField("label", DataTypes.IntegerType, true),
      DataTypes.createStructField("pixels", DataTypes.BinaryType, false)});

  private DigitParquet() {}

  /** Writes {@code records} (good ones: pixels must be set) to {@code path}, replacing what is there. */
  public static void write(SparkSession spark, JavaRDD<DigitRecord> records, String path) {
    JavaRDD<Row> rows = records.map(r -> RowFactory.create(r.getId(), r.getLabel(), r.getPixels()));
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
    // coalesce keeps the partitions' order, so the single file has the rows in input order.
    if (records.count() <= SINGLE_FILE_ROWS) df = df.coalesce(1);
    df.write().mode(SaveMode.Overwrite).parquet(path);
  }
}
