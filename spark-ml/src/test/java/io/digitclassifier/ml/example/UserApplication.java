package io.digitclassifier.ml.example;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.io.DigitInputs;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A user's own Spark application, as storage-tests runs it with plain {@code spark-submit --jars
 * digitclassifier-spark-ml-*-app.jar} on HDFS: it turns MNIST's IDX files into Parquet tables of
 * {@code label, pixels} (the user's data), then runs the README's example on them. Prints {@code
 * ACCURACY <value>} at the end.
 *
 * <p>usage: {@code UserApplication MNIST_DIR WORK_DIR [TRAIN_ROWS] [TEST_ROWS]} (any Hadoop paths)
 */
public final class UserApplication {
  private UserApplication() {}

  public static void main(String[] args) throws Exception {
    String mnist = args[0];
    String work = args[1];
    int trainRows = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
    int testRows = args.length > 3 ? Integer.parseInt(args[3]) : 500;
    SparkSession spark = SparkSession.builder().appName("digits-user-application").getOrCreate();
    table(spark, mnist + "/train-images-idx3-ubyte", trainRows)
        .write()
        .mode("overwrite")
        .parquet(work + "/train.parquet");
    table(spark, mnist + "/t10k-images-idx3-ubyte", testRows)
        .write()
        .mode("overwrite")
        .parquet(work + "/test.parquet");
    double accuracy =
        DigitsPipelineExample.run(
            spark, work + "/train.parquet", work + "/test.parquet", work + "/pipeline");
    System.out.println("ACCURACY " + accuracy);
    spark.stop();
  }

  private static Dataset<Row> table(SparkSession spark, String idx, int rows) {
    JavaRDD<Row> digits =
        DigitInputs.read(spark, idx, DataFormat.IDX, BadRecordPolicy.FAIL, 2)
            .filter(r -> r.getId() <= rows)
            .map(UserApplication::row);
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("label", DataTypes.IntegerType)
            .add("pixels", DataTypes.createArrayType(DataTypes.IntegerType));
    return spark.createDataFrame(digits, schema);
  }

  private static Row row(DigitRecord r) {
    Integer[] px = new Integer[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) px[i] = r.pixel(i);
    return RowFactory.create(r.getId(), r.getLabel(), px);
  }
}
