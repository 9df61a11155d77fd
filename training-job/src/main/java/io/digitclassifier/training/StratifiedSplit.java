package io.digitclassifier.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import io.digitclassifier.data.DigitRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * A seeded, stratified train/test split: within each label the records are ordered by a hash of
 * (seed, id) and the first {@code round(fraction * n_label)} go to the test set. The result depends
 * on the seed and the ids only, never on partitioning.
 */
public final class StratifiedSplit {
  private StratifiedSplit() {}

  /** [train, test]. Records without a label cannot be split by label and are refused. */
  public static JavaRDD<DigitRecord>[] split(
      SparkSession spark, JavaRDD<DigitRecord> records, double fraction, long seed) {
    Dataset<DigitRecord> ds = spark.createDataset(records.rdd(), Encoders.bean(DigitRecord.class));
    WindowSpec byLabel = Window.partitionBy(col("label")).orderBy(col("_order"), col("id"));
    Column n = count(lit(1)).over(Window.partitionBy(col("label")));
    Dataset<Row> ranked =
        ds.withColumn("_order", xxhash64(lit(seed), col("id")))
            .withColumn("_rank", row_number().over(byLabel))
            .withColumn("_n", n);
    long unlabelled = ranked.filter(col("label").isNull()).limit(1).count();
    if (unlabelled > 0) {
      throw new IllegalArgumentException(
          "Cannot split the training data by label: it has records without a label");
    }
    Column isTest = col("_rank").leq(functionsRound(col("_n").multiply(fraction)));
    Dataset<DigitRecord> test =
        ranked.filter(isTest).drop("_order", "_rank", "_n").as(Encoders.bean(DigitRecord.class));
    Dataset<DigitRecord> train =
        ranked
            .filter(isTest.unary_$bang())
            .drop("_order", "_rank", "_n")
            .as(Encoders.bean(DigitRecord.class));
    @SuppressWarnings({"unchecked", "rawtypes"})
    JavaRDD<DigitRecord>[] result = new JavaRDD[] {train.javaRDD(), test.javaRDD()};
    return result;
  }

  private static Column functionsRound(Column c) {
    return org.apache.spark.sql.functions.round(c, 0);
  }
}
