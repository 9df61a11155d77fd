package io.digitclassifier.scoring;

import static org.apache.spark.sql.functions.col;

import io.digitclassifier.data.Digits;
import io.digitclassifier.report.InputSamples;
import io.digitclassifier.report.ReportWriter;
import io.digitclassifier.spark.Stages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The scoring job's last stage: label and confidence counts from the job's {@link ScoredCounts},
 * rejects counted by a few small Spark aggregations over the quarantine output (nothing but counts
 * and the first rejected records reach the driver), written as {@link ScoringReport} into the
 * output's work directory. A failure here is logged and the output is kept.
 */
final class ScoringReportWriter {
  /** Rejected records listed one by one in the report. */
  static final int FIRST_REJECTED = 20;

  /** Kinds of rejection reason listed. */
  static final int REASON_KINDS = 10;

  private ScoringReportWriter() {}

  /**
   * Writes {@code _report.html} and its plots into the local directory {@code dir}; never throws.
   * {@code rejectedDir} is the run's quarantine output (a URI on any filesystem); for image
   * folders, up to {@code samples} inputs are shown beside what the network saw.
   */
  static void write(
      SparkSession spark,
      ScoringSummary summary,
      ScoredCounts counts,
      Dataset<Row> written,
      Path dir,
      String rejectedDir,
      int samples) {
    ReportWriter.bestEffort(
        "scoring",
        dir,
        "the scored output is",
        () ->
            Stages.run(
                    spark.sparkContext(),
                    ScoringJob.GROUP,
                    "4 report: label and confidence counts",
                    () -> gather(spark, summary, counts, written, rejectedDir, samples))
                .write(dir));
  }

  static ScoringReport gather(
      SparkSession spark,
      ScoringSummary summary,
      ScoredCounts counts,
      Dataset<Row> written,
      String rejectedDir,
      int samples) {
    boolean labelled = counts.labelled();
    long[] predicted = new long[Digits.CLASSES];
    long[] truth = labelled ? new long[Digits.CLASSES] : null;
    long[] bins = new long[ScoringReport.BINS];
    long[] wrong = labelled ? new long[ScoringReport.BINS] : null;
    for (ScoredCounts.Cell c : counts.cells()) {
      predicted[c.label()] += c.count();
      bins[c.bin()] += c.count();
      if (c.trueLabel() != null) {
        truth[c.trueLabel()] += c.count();
        if (c.trueLabel() != c.label()) wrong[c.bin()] += c.count();
      }
    }

    Map<String, Long> reasons = new LinkedHashMap<>();
    List<List<String>> first = new ArrayList<>();
    List<Row> rejectedImages = new ArrayList<>();
    if (summary.rejected() > 0
        && io.digitclassifier.storage.Storage.isDirectory(
            rejectedDir, spark.sparkContext().hadoopConfiguration())) {
      Dataset<Row> rejected = ScoringJob.readBack(spark, summary.outputFormat(), rejectedDir);
      Dataset<String> kinds =
          rejected
              .select(col("reason").cast("string"), col("file").cast("string"))
              .map(
                  (MapFunction<Row, String>)
                      r -> ScoringReport.reasonKind(r.getString(0), r.getString(1)),
                  Encoders.STRING());
      for (Row r :
          kinds
              .groupBy("value")
              .count()
              .orderBy(col("count").desc(), col("value"))
              .limit(REASON_KINDS)
              .collectAsList()) {
        reasons.put(r.getString(0), r.getLong(1));
      }
      for (Row r : rejected.orderBy("id").limit(FIRST_REJECTED).collectAsList()) {
        first.add(
            List.of(
                String.valueOf(r.<Object>getAs("id")),
                String.valueOf(r.<Object>getAs("file")),
                String.valueOf(r.<Object>getAs("position")),
                String.valueOf(r.<Object>getAs("reason"))));
        if (rejectedImages.size() < samples / 4) rejectedImages.add(r);
      }
    }

    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("input", summary.input() + " (" + summary.inputFormat() + ")");
    facts.put("model", summary.model());
    facts.put("model SHA-256", summary.modelSha256());
    facts.put("output", summary.output() + " (" + summary.outputFormat() + ")");
    facts.put(
        "records",
        String.format(
            Locale.ROOT,
            "%,d read = %,d scored + %,d rejected",
            summary.read(),
            summary.scored(),
            summary.rejected()));
    if (summary.skippedFiles() != null && summary.skippedFiles().count() > 0) {
      facts.put("files not read", summary.skippedFiles().describe());
    }
    facts.put(
        "engine",
        summary.engine()
            + (summary.onnxSha256() == null
                ? ""
                : " (model.onnx SHA-256 "
                    + summary.onnxSha256()
                    + ", "
                    + summary.onnxOrigin()
                    + ")"));
    facts.put(
        "scoring time",
        String.format(
            Locale.ROOT,
            "%.1f s, %,.0f images/s, %d model loads",
            summary.seconds(),
            summary.imagesPerSecond(),
            summary.modelLoads()));
    if (summary.evaluation() != null) {
      facts.put(
          "accuracy",
          String.format(
              Locale.ROOT,
              "%.2f%% (%,d labelled images)",
              100 * summary.evaluation().accuracy(),
              summary.evaluation().examples()));
    }
    if (summary.kaggleSubmission() != null)
      facts.put("Kaggle submission", summary.kaggleSubmission());
    List<InputSamples.Sample> shown =
        samples > 0 && "images".equals(summary.inputFormat())
            ? InputSampleReader.read(spark, written, labelled, rejectedImages, samples)
            : List.of();
    return new ScoringReport(
        facts,
        predicted,
        truth,
        bins,
        wrong,
        summary.evaluation(),
        summary.rejected(),
        reasons,
        first,
        shown);
  }
}
