package io.digitclassifier.scoring;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
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
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private ComputationGraph net;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && records.hasNext()) fill();
        if (ready.isEmpty() && net != null) {
          ExecutorModels.giveBack(sha256, net);
          net = null;
        }
        return !ready.isEmpty();
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
  }
}
