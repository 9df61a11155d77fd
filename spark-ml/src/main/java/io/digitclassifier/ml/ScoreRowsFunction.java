package io.digitclassifier.ml;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.data.Batches;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.predict.PredictorPool;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DigitClassifierModel#transform} inside one partition: rows stream through in batches of
 * {@code batchSize}, each batch one forward pass of the executor's model, and every input row comes
 * out with the prediction columns appended (or is dropped, or kept with a reason, by {@code
 * handleInvalid}). At most one batch is held. A {@link MapPartitionsFunction} over rows, never an
 * RDD, so that a streaming DataFrame can be scored.
 */
final class ScoreRowsFunction implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ScoreRowsFunction.class);

  private final ModelHandle model;
  private final int featuresIndex;
  private final int idIndex;
  private final String featuresCol;
  private final int batchSize;
  private final String handleInvalid;
  private final boolean probability;
  private final boolean rawPrediction;
  private final boolean confidence;

  ScoreRowsFunction(
      ModelHandle model,
      int featuresIndex,
      int idIndex,
      String featuresCol,
      int batchSize,
      String handleInvalid,
      boolean probability,
      boolean rawPrediction,
      boolean confidence) {
    this.model = model;
    this.featuresIndex = featuresIndex;
    this.idIndex = idIndex;
    this.featuresCol = featuresCol;
    this.batchSize = batchSize;
    this.handleInvalid = handleInvalid;
    this.probability = probability;
    this.rawPrediction = rawPrediction;
    this.confidence = confidence;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    var rows =
        new Iterator<Row>() {
          private final ArrayDeque<Row> ready = new ArrayDeque<>();
          private final Iterator<List<Row>> batches = Batches.of(input, batchSize);
          private PredictorPool pool;
          private Predictor net;
          private long position;

          @Override
          public boolean hasNext() {
            while (ready.isEmpty() && batches.hasNext()) fill(batches.next());
            if (ready.isEmpty()) release();
            return !ready.isEmpty();
          }

          @Override
          public Row next() {
            if (!hasNext()) throw new NoSuchElementException();
            return ready.poll();
          }

          void release() {
            if (net != null) {
              pool.giveBack(net);
              net = null;
            }
          }

          /** One forward pass for the rows' images; their output rows (skipped ones left out). */
          private void fill(List<Row> rows) {
            List<Row> batch = new ArrayList<>(rows.size());
            List<byte[]> images = new ArrayList<>(rows.size());
            List<String> reasons = new ArrayList<>(rows.size());
            for (Row row : rows) {
              position++;
              String reason = null;
              try {
                images.add(Features.pixels(row.get(featuresIndex)));
              } catch (Features.BadFeatureException e) {
                reason = e.getMessage();
                if (DigitClassifierModel.ERROR.equals(handleInvalid)) {
                  throw new IllegalArgumentException(
                      "Cannot score row "
                          + position
                          + " of partition "
                          + partition
                          + (idIndex >= 0 ? " (id " + row.get(idIndex) + ")" : "")
                          + ", column "
                          + featuresCol
                          + ": "
                          + reason
                          + " (handleInvalid=skip drops such rows, keep keeps them with the reason)");
                }
              }
              if (reason != null && DigitClassifierModel.SKIP.equals(handleInvalid)) continue;
              batch.add(row);
              reasons.add(reason);
            }
            if (batch.isEmpty()) return;
            Predictor.Predictions predictions = null;
            if (!images.isEmpty()) {
              if (net == null) {
                pool = model.pool();
                net = model.borrow(pool, task);
              }
              predictions = net.predict(images);
            }
            boolean keep = DigitClassifierModel.KEEP.equals(handleInvalid);
            for (int i = 0, p = 0; i < batch.size(); i++) {
              Predictor.Prediction prediction =
                  reasons.get(i) == null ? predictions.get(p++) : null;
              ready.add(append(batch.get(i), prediction, reasons.get(i), keep));
            }
          }
        };
    // A task that fails or is cancelled mid-partition never drains its iterator: without this its
    // instance would
    // stay borrowed for the executor's life.
    if (task != null)
      task.addTaskCompletionListener((TaskCompletionListener) context -> rows.release());
    return rows;
  }

  private Row append(Row row, Predictor.Prediction p, String reason, boolean keep) {
    int n = row.length();
    Object[] values =
        new Object
            [n
                + 1
                + (probability ? 1 : 0)
                + (rawPrediction ? 1 : 0)
                + (confidence ? 1 : 0)
                + (keep ? 1 : 0)];
    for (int i = 0; i < n; i++) values[i] = row.get(i);
    int k = n;
    values[k++] = p == null ? null : (double) p.label();
    double[] probs =
        p == null || !(probability || rawPrediction) ? null : toDoubles(p.probabilities());
    if (rawPrediction) values[k++] = probs == null ? null : Vectors.dense(probs);
    if (probability) values[k++] = probs == null ? null : Vectors.dense(probs);
    if (confidence) values[k++] = p == null ? null : (double) p.confidence();
    if (keep) values[k] = reason;
    return RowFactory.create(values);
  }

  static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }

  /**
   * What an executor needs to find or load the model: the broadcast artifacts and the key of this
   * JVM's pool. The pool is keyed by the model's identity and the engine, so a model is loaded once
   * per executor and reused by every task, job, query and micro-batch that scores with it there,
   * while it is among the models the executor used last ({@link PredictorPool#KEPT_PROPERTY}).
   */
  static final class ModelHandle implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ModelArtifacts> artifacts;
    private final String key;
    private final Engine engine;
    private final LongAccumulator loads;

    ModelHandle(
        Broadcast<ModelArtifacts> artifacts, String sha256, Engine engine, LongAccumulator loads) {
      this.artifacts = artifacts;
      this.key = "spark-ml:" + engine + ":" + sha256;
      this.engine = engine;
      this.loads = loads;
    }

    PredictorPool pool() {
      return PredictorPool.forModel(key);
    }

    /**
     * An instance of the model for this task: an idle one of this executor's, or a new one
     * (counted).
     */
    Predictor borrow(PredictorPool pool, TaskContext task) {
      return pool.borrowOrLoad(
          () -> {
            if (engine == Engine.DL4J) io.digitclassifier.spark.ExecutorSetup.ensure();
            int threads = task == null ? 1 : Math.max(1, task.cpus());
            Predictor p = Predictor.of(artifacts.value(), threads);
            loads.add(1);
            LOG.info(
                "Loaded model {} in this JVM for Spark ML ({}, instance {})",
                p.sha256().substring(0, 12),
                p.engine().label(),
                pool.size() + 1);
            return p;
          });
    }

    /** One digit, row by row (the SQL functions). */
    Predictor.Prediction predictOne(byte[] pixels) {
      PredictorPool pool = pool();
      Predictor p = borrow(pool, TaskContext.get());
      try {
        return p.predict(pixels);
      } finally {
        pool.giveBack(p);
      }
    }
  }
}
