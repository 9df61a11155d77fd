package io.digitclassifier.scoring;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.ml.DigitClassifierModel;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The columns of scoring output and of {@code _rejected/}. */
final class ScoringSchema {
  /** The digits to score, as {@code DigitClassifierModel} takes them (784 pixel bytes). */
  static final StructType DIGITS =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("source", DataTypes.StringType, true)
          .add("trueLabel", DataTypes.IntegerType, true)
          .add("pixels", DataTypes.BinaryType, false);

  /** A rejected record: its position in the input, where it was and why. */
  static final StructType REJECTED =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("file", DataTypes.StringType, true)
          .add("position", DataTypes.StringType, true)
          .add("reason", DataTypes.StringType, false);

  /**
   * An ML vector's values as floats, what {@code ml.functions.vector_to_array(v, "float32")} does:
   * a plain Java function, because the first use of {@code ml.functions}' typed functions resolves
   * their Scala types by runtime reflection, 0.5-1 s of a cold job's start in a profile.
   */
  private static final UserDefinedFunction TO_FLOATS =
      functions.udf(
          (UDF1<Vector, float[]>)
              v -> {
                if (v == null) return null;
                float[] f = new float[v.size()];
                for (int i = 0; i < f.length; i++) f[i] = (float) v.apply(i);
                return f;
              },
          DataTypes.createArrayType(DataTypes.FloatType, false));

  private ScoringSchema() {}

  static Row digit(DigitRecord r) {
    return RowFactory.create(r.getId(), r.getSource(), r.getLabel(), r.getPixels());
  }

  /**
   * The job's columns from the Spark ML stage's: {@code label} (int) from {@code prediction},
   * {@code confidence} (float) the predicted label's probability from {@code confidence}, and with
   * {@code probabilities} the ten floats from the {@code probability} vector; {@link
   * #scoredColumns} picks what is written. The stage is asked for the vector only then (see {@link
   * #stageColumns}).
   */
  static Dataset<Row> scored(Dataset<Row> transformed, boolean probabilities) {
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col("id"));
    cols.add(functions.col("source"));
    cols.add(functions.col("prediction").cast(DataTypes.IntegerType).as("label"));
    // the stage's double holds the network's float exactly: back to the float it was
    cols.add(functions.col("confidence").cast(DataTypes.FloatType).as("confidence"));
    if (probabilities) cols.add(TO_FLOATS.apply(functions.col("probability")).as("probabilities"));
    cols.add(functions.col("trueLabel"));
    return transformed.select(cols.toArray(new Column[0]));
  }

  /**
   * The Spark ML stage's output columns for the job: {@code prediction} and {@code confidence}
   * always, the {@code probability} vector only when the ten probabilities are written, so that no
   * row pays for a vector it does not write (its encoding, decoding and the array of ten).
   */
  static DigitClassifierModel stageColumns(DigitClassifierModel model, boolean probabilities) {
    return model
        .setPredictionCol("prediction")
        .setConfidenceCol("confidence")
        .setProbabilityCol(probabilities ? "probability" : "")
        .setRawPredictionCol("");
  }

  static Row rejected(DigitRecord r) {
    return RowFactory.create(r.getId(), r.getSource(), r.getPosition(), r.getError());
  }

  /**
   * The scored columns to write: source only for image input, probabilities on request, trueLabel
   * when known.
   */
  static List<Column> scoredColumns(
      boolean images, boolean probabilities, boolean labelled, OutputFormat format) {
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col("id"));
    if (images) cols.add(functions.col("source"));
    cols.add(functions.col("label"));
    cols.add(functions.col("confidence"));
    if (probabilities) {
      if (format == OutputFormat.CSV) {
        for (int k = 0; k < Digits.CLASSES; k++)
          cols.add(functions.col("probabilities").getItem(k).as("p" + k));
      } else {
        cols.add(functions.col("probabilities"));
      }
    }
    if (labelled) cols.add(functions.col("trueLabel"));
    return cols;
  }
}
