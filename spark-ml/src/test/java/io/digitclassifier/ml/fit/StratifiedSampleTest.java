package io.digitclassifier.ml.fit;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.data.DigitRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

class StratifiedSampleTest extends SparkTestBase {

  @Test
  void quotasAreProportionalWithinOneImageAndSumToN() {
    long[] counts = {4132, 4684, 4177, 4351, 4072, 3795, 4137, 4401, 4063, 4188};
    long total = 0;
    for (long c : counts) total += c;
    for (long n : new long[] {1, 7, 10, 999, 5000, 20_000, total}) {
      long[] q = StratifiedSample.quotas(counts, n);
      long sum = 0;
      for (int d = 0; d < counts.length; d++) {
        double exact = (double) n * counts[d] / total;
        assertThat(Math.abs(q[d] - exact)).as("n %d, digit %d", n, d).isLessThan(1.0);
        sum += q[d];
      }
      assertThat(sum).isEqualTo(n);
    }
  }

  @Test
  void aLabelOrderedInputGivesEveryDigitItsShare() {
    // what the stratified split hands over: records grouped by label
    List<DigitRecord> digits = new ArrayList<>(TestDigits.random(2000, 11));
    digits.sort(Comparator.comparing(DigitRecord::getLabel));
    JavaRDD<DigitRecord> rdd = jsc.parallelize(digits, 3);
    LabelCounts counts = LabelCounts.of(rdd);
    JavaRDD<DigitRecord> sample = StratifiedSample.sample(spark, rdd, counts, 500, 42);
    LabelCounts got = LabelCounts.of(sample);
    assertThat(got.labelled()).isEqualTo(500);
    assertThat(got.missing()).isEmpty();
    for (int d = 0; d < 10; d++) {
      double exact = 500.0 * counts.perLabel()[d] / counts.labelled();
      assertThat(Math.abs(got.perLabel()[d] - exact)).as("digit %d", d).isLessThan(1.0);
    }
  }

  @Test
  void dependsOnTheSeedNotOnThePartitioningOrOrder() {
    List<DigitRecord> digits = new ArrayList<>(TestDigits.random(600, 12));
    List<DigitRecord> reversed = new ArrayList<>(digits);
    java.util.Collections.reverse(reversed);
    assertThat(ids(digits, 1, 42)).isEqualTo(ids(reversed, 4, 42)).isNotEqualTo(ids(digits, 1, 43));
  }

  @Test
  void aLimitAboveTheCountKeepsEverything() {
    JavaRDD<DigitRecord> rdd = jsc.parallelize(TestDigits.random(50, 13), 2);
    assertThat(StratifiedSample.sample(spark, rdd, LabelCounts.of(rdd), 50, 1)).isSameAs(rdd);
  }

  private static Set<Long> ids(List<DigitRecord> digits, int partitions, long seed) {
    JavaRDD<DigitRecord> rdd = jsc.parallelize(digits, partitions);
    return new TreeSet<>(
        StratifiedSample.sample(spark, rdd, LabelCounts.of(rdd), 100, seed)
            .map(DigitRecord::getId)
            .collect());
  }
}
