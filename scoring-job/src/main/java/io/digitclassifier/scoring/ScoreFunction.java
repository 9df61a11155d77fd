package io.digitclassifier.scoring;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.model.ModelArtifacts;
import io.digitclassifier.model.Predictor;
import io.digitclassifier.model.PredictorPool;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring stage inside one partition: records stream through in batches of {@code batchSize}, each batch
 * is one forward pass of the executor's model, and out come rows of {@link ScoringSchema#SCORED}. Rejected
 * records are filtered out before. Nothing is collected: at most one batch is held.
 */
final class ScoreFunction implements FlatMapFunction<Iterator<DigitRecord>, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ScoreFunction.class);

  private final Broadcast<ModelArtifacts> model;
  private final String sha256;
  private final int batchSize;
  private final LongAccumulator modelLoads;

  ScoreFunction(Broadcast<ModelArtifacts> model, String sha256, int batchSize, LongAccumulator modelLoads) {
    this.model = model;
    this.sha256 = sha256;
    this.batchSize = batchSize;
    this.modelLoads = modelLoads;
  }

  @Override
  public Iterator<Row> call(Iterator<DigitRecord> records) {
    io.digitclassifier.spark.ExecutorSetup.ensure();
    var rows = new Iterator<Row>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private Predictor net;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && records.hasNext()) fill();
        if (ready.isEmpty()) release();
        return !ready.isEmpty();
      }

      /** Gives the borrowed instance back, once: when the partition is done, or when its task ends. */
      void release() {
        if (net != null) {
          PredictorPool.forModel(sha256).giveBack(net);
          net = null;
        }
      }

      @Override
      public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.poll();
      }

      private void fill() {
        List<DigitRecord> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && records.hasNext()) {
          batch.add(records.next());
        }
        if (batch.isEmpty()) return;
        if (net == null) net = PredictorPool.forModel(sha256).borrowOrLoad(ScoreFunction.this::load);
        List<byte[]> images = new ArrayList<>(batch.size());
        for (DigitRecord r : batch) images.add(r.getPixels());
        Predictor.Predictions predictions = net.predict(images);
        for (int i = 0; i < batch.size(); i++) ready.add(ScoringSchema.scored(batch.get(i), predictions.get(i)));
      }
    };
    // A task that fails or is cancelled mid-partition (a bad record, a lost sibling task) never drains its
    // iterator: without this its instance would stay borrowed for the life of the executor.
    TaskContext task = TaskContext.get();
    if (task != null) task.addTaskCompletionListener((TaskCompletionListener) context -> rows.release());
    return rows;
  }

  /**
   * A new instance from the broadcast model, when every instance this executor has is in use: once per core at
   * most, never per partition; {@code modelLoads} counts them. On ONNX Runtime the instances share the
   * executor's one session, whose intra-op threads are the task's cores ({@code spark.task.cpus}).
   */
  private Predictor load() {
    TaskContext task = TaskContext.get();
    int threads = task == null ? 1 : Math.max(1, task.cpus());
    Predictor p = Predictor.of(model.value(), threads);
    modelLoads.add(1);
    LOG.info("Loaded model {} on this executor ({}, instance {})", sha256.substring(0, 12), p.engine().label(),
        PredictorPool.forModel(sha256).size() + 1);
    return p;
  }
}
