package io.digitclassifier.ml.fit;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.digitclassifier.data.DigitRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * A seeded sample of exactly {@code n} labelled records, stratified by label: each digit keeps its
 * share of {@code n} in proportion to its count (largest remainders round, so every share is within
 * one image of exact), and within a digit the records with the smallest hash of (seed, id) are
 * kept. Like {@link StratifiedSplit}, the result depends on the seed and the ids only, never on
 * partitioning or on the input's order; unlike "the first n", it never keeps whole label groups of
 * a label-ordered input.
 */
public final class StratifiedSample {
  /** Mixed into the seed so that the sample's order is independent of the split's. */
  private static final long SALT = 0x5EED_5A3B_1E5L;

  private StratifiedSample() {}

  /**
   * {@code records} itself when it holds no more than {@code n}; {@code counts} are its label
   * counts.
   */
  public static JavaRDD<DigitRecord> sample(
      SparkSession spark, JavaRDD<DigitRecord> records, LabelCounts counts, long n, long seed) {
    if (counts.labelled() <= n) return records;
    long[] quota = quotas(counts.perLabel(), n);
    Column share = lit(0L);
    for (int d = quota.length - 1; d >= 0; d--)
      share = when(col("label").equalTo(d), lit(quota[d])).otherwise(share);
    Dataset<DigitRecord> ds = spark.createDataset(records.rdd(), Encoders.bean(DigitRecord.class));
    return ds.withColumn("_order", xxhash64(lit(seed ^ SALT), col("id")))
        .withColumn(
            "_rank",
            row_number().over(Window.partitionBy(col("label")).orderBy(col("_order"), col("id"))))
        .filter(col("_rank").leq(share))
        .drop("_order", "_rank")
        .as(Encoders.bean(DigitRecord.class))
        .javaRDD();
  }

  /**
   * Shares of {@code n} proportional to {@code counts}, summing to {@code n} (when {@code n} is at
   * most their sum): each share is the floor of the exact one, and the images left over go to the
   * largest remainders (ties: the smaller digit).
   */
  static long[] quotas(long[] counts, long n) {
    long total = 0;
    for (long c : counts) total += c;
    long[] quota = new long[counts.length];
    long[] remainder = new long[counts.length];
    long given = 0;
    for (int d = 0; d < counts.length; d++) {
      // exact share n * c / total as a quotient and a remainder, without floating point
      quota[d] = Math.multiplyExact(n, counts[d]) / total;
      remainder[d] = Math.multiplyExact(n, counts[d]) % total;
      given += quota[d];
    }
    for (long left = n - given; left > 0; left--) {
      int best = -1;
      for (int d = 0; d < counts.length; d++) {
        if (quota[d] < counts[d] && (best < 0 || remainder[d] > remainder[best])) best = d;
      }
      quota[best]++;
      remainder[best] = -1;
    }
    return quota;
  }
}
