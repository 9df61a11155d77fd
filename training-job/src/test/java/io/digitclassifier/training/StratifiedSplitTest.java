package io.digitclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.data.DigitRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

class StratifiedSplitTest extends SparkTestBase {

  @Test
  void eachLabelIsSplitByTheFractionAndNothingIsLostOrDuplicated() {
    List<DigitRecord> digits = TestDigits.random(1000, 5);
    JavaRDD<DigitRecord>[] split =
        StratifiedSplit.split(spark, jsc.parallelize(digits, 3), 0.4, 42);
    List<DigitRecord> train = split[0].collect();
    List<DigitRecord> test = split[1].collect();

    Map<Integer, Long> all =
        digits.stream()
            .collect(Collectors.groupingBy(DigitRecord::getLabel, Collectors.counting()));
    Map<Integer, Long> held =
        test.stream().collect(Collectors.groupingBy(DigitRecord::getLabel, Collectors.counting()));
    for (Map.Entry<Integer, Long> e : all.entrySet()) {
      assertThat(held.get(e.getKey()))
          .as("label " + e.getKey())
          .isEqualTo(Math.round(e.getValue() * 0.4));
    }
    Set<Long> ids = new HashSet<>();
    train.forEach(r -> ids.add(r.getId()));
    test.forEach(r -> assertThat(ids.add(r.getId())).isTrue());
    assertThat(ids).hasSize(1000);
  }

  @Test
  void dependsOnTheSeedNotOnThePartitioning() {
    List<DigitRecord> digits = TestDigits.random(300, 6);
    assertThat(testIds(digits, 1, 42))
        .isEqualTo(testIds(digits, 4, 42))
        .isNotEqualTo(testIds(digits, 1, 43));
  }

  @Test
  void refusesUnlabelledData() {
    List<DigitRecord> digits = TestDigits.withoutLabels(TestDigits.random(10, 7));
    assertThatThrownBy(() -> StratifiedSplit.split(spark, jsc.parallelize(digits, 2), 0.4, 1))
        .hasMessage("Cannot split the training data by label: it has records without a label");
  }

  private static Set<Long> testIds(List<DigitRecord> digits, int partitions, long seed) {
    return new TreeSet<>(
        StratifiedSplit.split(spark, jsc.parallelize(digits, partitions), 0.4, seed)[1]
            .map(DigitRecord::getId)
            .collect());
  }
}
