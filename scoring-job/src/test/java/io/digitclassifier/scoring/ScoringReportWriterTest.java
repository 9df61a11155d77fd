package io.digitclassifier.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.artifacts.EvaluationSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring report's counts come from Spark aggregations over the written output and the rejects.
 */
class ScoringReportWriterTest extends SparkTestBase {
  @TempDir Path dir;

  private static final StructType LABELLED =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("label", DataTypes.IntegerType)
          .add("confidence", DataTypes.FloatType)
          .add("trueLabel", DataTypes.IntegerType);

  private static ScoringSummary summary(long scored, long rejected, String format) {
    return new ScoringSummary(
        "in.csv",
        "csv",
        "/out",
        format,
        scored + rejected,
        scored,
        rejected,
        1,
        scored,
        1,
        "/m/model.zip",
        "abc",
        "onnxruntime",
        "def",
        "model.onnx",
        null,
        Map.of(),
        null,
        null,
        null,
        null);
  }

  /**
   * The confidence bins as the job's aggregation draws them: floor(confidence x 20), 1.0 in the
   * last.
   */
  @Test
  void confidenceBins() {
    float[] confidences = {0f, 0.049f, 0.05f, 0.999f, 1.0f};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < confidences.length; i++)
      rows.add(RowFactory.create((long) i, 1, confidences[i], 1));
    Map<Integer, Long> byBin = new java.util.TreeMap<>();
    for (ScoredCounts.Cell c : ScoredCounts.of(spark.createDataFrame(rows, LABELLED)).cells())
      byBin.merge(c.bin(), c.count(), Long::sum);
    assertThat(byBin).containsExactly(Map.entry(0, 2L), Map.entry(1, 1L), Map.entry(19, 2L));
  }

  @Test
  void countsLabelsConfidenceBinsAndWrongAnswers() {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(1L, 7, 0.99f, 7));
    rows.add(RowFactory.create(2L, 7, 1.0f, 7));
    rows.add(RowFactory.create(3L, 2, 0.42f, 3));
    rows.add(RowFactory.create(4L, 0, 0.051f, 0));
    Dataset<Row> written = spark.createDataFrame(rows, LABELLED);

    ScoringReport r =
        ScoringReportWriter.gather(
            spark, summary(4, 0, "parquet"), ScoredCounts.of(written), written, rejected(dir), 0);

    assertThat(r.predictedCounts()).containsExactly(1, 0, 1, 0, 0, 0, 0, 2, 0, 0);
    assertThat(r.trueCounts()).containsExactly(1, 0, 0, 1, 0, 0, 0, 2, 0, 0);
    assertThat(r.confidenceBins()[19]).isEqualTo(2);
    assertThat(r.confidenceBins()[8]).isEqualTo(1);
    assertThat(r.confidenceBins()[1]).isEqualTo(1);
    assertThat(r.wrongBins()[8]).isEqualTo(1);
    assertThat(java.util.Arrays.stream(r.wrongBins()).sum()).isEqualTo(1);
    assertThat(r.rejected()).isZero();
  }

  @Test
  void unlabelledOutputWithRejectsInCsv() throws Exception {
    StructType unlabelled =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("label", DataTypes.IntegerType)
            .add("confidence", DataTypes.FloatType);
    Dataset<Row> written =
        spark.createDataFrame(List.of(RowFactory.create(1L, 4, 0.9f)), unlabelled);
    List<Row> rejects = new ArrayList<>();
    for (int line = 2; line <= 4; line++) {
      rejects.add(
          RowFactory.create(
              (long) line - 1,
              "/d/test.csv",
              "line " + line,
              "Cannot read /d/test.csv: line "
                  + line
                  + ", column pixel"
                  + line
                  + ": value 'x', expected an integer 0-255"));
    }
    rejects.add(
        RowFactory.create(
            9L,
            "/d/test.csv",
            "line 10",
            "Cannot read /d/test.csv: line 10: 12 columns, expected 784"));
    spark
        .createDataFrame(rejects, ScoringSchema.REJECTED)
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(dir.resolve(ScoringJob.REJECTED_DIR).toString());

    ScoringReport r =
        ScoringReportWriter.gather(
            spark, summary(1, 4, "csv"), ScoredCounts.of(written), written, rejected(dir), 0);

    assertThat(r.trueCounts()).isNull();
    assertThat(r.wrongBins()).isNull();
    assertThat(r.rejectedByReason())
        .containsExactly(
            Map.entry(
                "Cannot read <file>: line N, column pixelN: value '…', expected an integer N-N",
                3L),
            Map.entry("Cannot read <file>: line N: N columns, expected N", 1L));
    assertThat(r.firstRejected()).hasSize(4);
    assertThat(r.firstRejected().get(0))
        .containsExactly(
            "1",
            "/d/test.csv",
            "line 2",
            "Cannot read /d/test.csv: line 2, column pixel2: value 'x', expected an integer 0-255");
  }

  @Test
  void writesTheReportAndNeverThrows() throws Exception {
    Dataset<Row> written =
        spark.createDataFrame(List.of(RowFactory.create(1L, 7, 0.99f, 7)), LABELLED);
    long[][] cm = new long[10][10];
    cm[7][7] = 1;
    ScoringSummary s =
        new ScoringSummary(
            "in",
            "idx",
            "/out",
            "parquet",
            1,
            1,
            0,
            1,
            1,
            1,
            "/m",
            "abc",
            "dl4j",
            null,
            null,
            null,
            Map.of(),
            null,
            EvaluationSummary.ofConfusion(cm),
            null,
            null);

    ScoringReportWriter.write(spark, s, ScoredCounts.of(written), written, dir, rejected(dir), 0);
    assertThat(dir.resolve("_report.html")).isRegularFile();
    assertThat(dir.resolve("_confusion-matrix.png")).isRegularFile();

    // a report that cannot be written (its directory is a file): a warning, not an exception
    Path other = Files.writeString(dir.resolve("not-a-directory"), "kept");
    ScoringReportWriter.write(
        spark, s, ScoredCounts.of(written), written, other, rejected(other), 0);
    assertThat(other).hasContent("kept");
  }

  private static String rejected(Path dir) {
    return dir.resolve(ScoringJob.REJECTED_DIR).toUri().toString();
  }
}
