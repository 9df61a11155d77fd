package io.digitclassifier.scoring;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The scoring stage inside one partition: records stream through in batches of {@code batchSize}, each batch
 * is one forward pass of the executor's model, and out come rows of {@link ScoringSchema#SCORED}. Rejected
 * records are filtered out before. Nothing is collected: at most one batch is held.
 */
final class ScoreFunction implements FlatMapFunction<Iterator<DigitRecord>, Row> {
  private static final long serialVersionUID = 1L;

  private final Broadcast<byte[]> model;
  private final String sha256;
  private final int batchSize;
  private final LongAccumulator modelLoads;

  ScoreFunction(Broadcast<byte[]> model, String sha256, int batchSize, LongAccumulator modelLoads) {
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
      private ComputationGraph net;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && records.hasNext()) fill();
        if (ready.isEmpty()) release();
        return !ready.isEmpty();
      }

      /** Gives the borrowed instance back, once: when the partition is done, or when its task ends. */
      void release() {
        if (net != null) {
          ExecutorModels.giveBack(sha256, net);
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
        if (net == null) net = ExecutorModels.borrow(sha256, model::value, modelLoads);
        List<byte[]> images = new ArrayList<>(batch.size());
        for (DigitRecord r : batch) images.add(r.getPixels());
        INDArray probabilities = net.outputSingle(false, Digits.toFeatures(images));
        float[] p = probabilities.data().asFloat();
        for (int i = 0; i < batch.size(); i++) {
          float[] row = new float[Digits.CLASSES];
          System.arraycopy(p, i * Digits.CLASSES, row, 0, Digits.CLASSES);
          ready.add(ScoringSchema.scored(batch.get(i), row));
        }
      }
    };
    // A task that fails or is cancelled mid-partition (a bad record, a lost sibling task) never drains its
    // iterator: without this its instance would stay borrowed for the life of the executor.
    TaskContext task = TaskContext.get();
    if (task != null) task.addTaskCompletionListener((TaskCompletionListener) context -> rows.release());
    return rows;
  }
}
