package io.digitclassifier.scoring;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.model.Predictor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The columns of scoring output and of {@code _rejected/}. */
final class ScoringSchema {
  /** Every scored row as computed; {@link #scoredColumns} picks what is written. */
  static final StructType SCORED = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("source", DataTypes.StringType, true)
      .add("label", DataTypes.IntegerType, false)
      .add("confidence", DataTypes.FloatType, false)
      .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("trueLabel", DataTypes.IntegerType, true);

  /** A rejected record: its position in the input, where it was and why. */
  static final StructType REJECTED = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("file", DataTypes.StringType, true)
      .add("position", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false);

  private ScoringSchema() {}

  static Row scored(DigitRecord r, Predictor.Prediction p) {
    return RowFactory.create(r.getId(), r.getSource(), p.label(), p.confidence(), p.probabilities(), r.getLabel());
  }

  static Row rejected(DigitRecord r) {
    return RowFactory.create(r.getId(), r.getSource(), r.getPosition(), r.getError());
  }

  /** The scored columns to write: source only for image input, probabilities on request, trueLabel when known. */
  static List<Column> scoredColumns(boolean images, boolean probabilities, boolean labelled, OutputFormat format) {
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col("id"));
    if (images) cols.add(functions.col("source"));
    cols.add(functions.col("label"));
    cols.add(functions.col("confidence"));
    if (probabilities) {
      if (format == OutputFormat.CSV) {
        for (int k = 0; k < Digits.CLASSES; k++) cols.add(functions.col("probabilities").getItem(k).as("p" + k));
      } else {
        cols.add(functions.col("probabilities"));
      }
    }
    if (labelled) cols.add(functions.col("trueLabel"));
    return cols;
  }
}
