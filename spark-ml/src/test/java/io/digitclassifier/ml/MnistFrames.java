package io.digitclassifier.ml;

import io.digitclassifier.TestModels;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Real MNIST digits as DataFrames and Parquet tables of {@code id, label, pixels array<int>}, for
 * the stages' tests.
 */
public final class MnistFrames {
  public static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("label", DataTypes.IntegerType)
          .add("pixels", DataTypes.createArrayType(DataTypes.IntegerType));

  private MnistFrames() {}

  public static Dataset<Row> frame(SparkSession spark, List<DigitRecord> records) {
    List<Row> rows = new ArrayList<>();
    for (DigitRecord r : records) {
      Integer[] px = new Integer[Digits.PIXELS];
      for (int i = 0; i < Digits.PIXELS; i++) px[i] = r.pixel(i);
      rows.add(RowFactory.create(r.getId(), r.getLabel(), px));
    }
    return spark.createDataFrame(rows, SCHEMA);
  }

  /**
   * The first {@code train} MNIST training digits and {@code test} test digits as Parquet tables in
   * {@code dir}.
   */
  public static String[] parquet(SparkSession spark, Path dir, int train, int test) {
    String trainPath = dir.resolve("train.parquet").toString();
    String testPath = dir.resolve("test.parquet").toString();
    frame(spark, TestModels.trainDigits(train)).write().parquet(trainPath);
    frame(spark, TestModels.testDigits(test)).write().parquet(testPath);
    return new String[] {trainPath, testPath};
  }
}
