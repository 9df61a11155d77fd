package io.digitclassifier;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.DigitParquet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** {@link TestDigits}' digits written as Parquet, which takes Spark. */
public final class TestParquet {
  private TestParquet() {}

  /** Writes {@code pixels} as binary with {@code id} and {@code label}: what the project's writers produce. */
  public static Path writeBinary(SparkSession spark, Path dir, List<DigitRecord> digits) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    DigitParquet.write(spark, jsc.parallelize(digits, 2), dir.toString());
    return dir;
  }

  /** Writes {@code label int, pixels array<int>} and, when {@code withId}, {@code id long}, in one file. */
  public static Path writeArray(SparkSession spark, Path dir, List<DigitRecord> digits, boolean withId) {
    List<StructField> fields = new ArrayList<>();
    if (withId) fields.add(DataTypes.createStructField("id", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, true));
    fields.add(DataTypes.createStructField("pixels", DataTypes.createArrayType(DataTypes.IntegerType), true));
    List<Row> rows = new ArrayList<>(digits.size());
    for (DigitRecord d : digits) {
      List<Object> values = new ArrayList<>(3);
      if (withId) values.add(d.getId());
      values.add(d.getLabel());
      values.add(d.getPixels() == null ? null : TestDigits.pixelList(d.getPixels()));
      rows.add(RowFactory.create(values.toArray()));
    }
    spark.createDataFrame(rows, new StructType(fields.toArray(new StructField[0])))
        .coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir.toString());
    return dir;
  }
}
