package io.digitclassifier.scoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import io.digitclassifier.data.Digits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The written output counted once, by predicted label, true label (null where unknown) and
 * confidence bin ({@link ScoringReport#BINS}): one small Spark aggregation, from which come the
 * summary's scored count and confusion matrix and the report's label and confidence counts. (Each
 * was its own job before: in a fresh JVM every new query costs planning and code generation, about
 * half a second each.)
 *
 * @param labelled whether the output has true labels (a {@code trueLabel} column)
 * @param cells one per combination present, with its row count
 */
record ScoredCounts(boolean labelled, List<Cell> cells) {
  /** Rows with one predicted label, true label and confidence bin. */
  record Cell(int label, Integer trueLabel, int bin, long count) {}

  static ScoredCounts of(Dataset<Row> written) {
    boolean labelled = Arrays.asList(written.columns()).contains("trueLabel");
    // floor(confidence x BINS), 1.0 in the last bin
    Column bin =
        least(lit(ScoringReport.BINS - 1), floor(col("confidence").multiply(ScoringReport.BINS)))
            .cast("int")
            .as("bin");
    Dataset<Row> counts =
        labelled
            ? written.groupBy(col("label"), col("trueLabel"), bin).count()
            : written.groupBy(col("label"), bin).count();
    List<Cell> cells = new ArrayList<>();
    for (Row r : counts.collectAsList()) {
      Object truth = labelled ? r.getAs("trueLabel") : null;
      cells.add(
          new Cell(
              ((Number) r.getAs("label")).intValue(),
              truth == null ? null : ((Number) truth).intValue(),
              ((Number) r.getAs("bin")).intValue(),
              r.<Long>getAs("count")));
    }
    return new ScoredCounts(labelled, List.copyOf(cells));
  }

  /** Rows written. */
  long total() {
    return cells.stream().mapToLong(Cell::count).sum();
  }

  /** Rows by true label (rows) and predicted label (columns), over rows with a true label. */
  long[][] confusion() {
    long[][] cm = new long[Digits.CLASSES][Digits.CLASSES];
    for (Cell c : cells) if (c.trueLabel() != null) cm[c.trueLabel()][c.label()] += c.count();
    return cm;
  }
}
