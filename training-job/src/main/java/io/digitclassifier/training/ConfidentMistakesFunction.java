package io.digitclassifier.training;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.data.Batches;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.predict.Predictor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * For the training report, inside one partition of the held-out set: scores the digits in batches
 * with the final network (broadcast as its ONNX export) and keeps only the {@code k} most confident
 * mistakes, so the driver collects at most {@code k} per partition and never the set itself.
 */
final class ConfidentMistakesFunction implements FlatMapFunction<Iterator<DigitRecord>, Mistake> {
  private static final long serialVersionUID = 1L;

  private final Broadcast<ModelArtifacts> model;
  private final int batchSize;
  private final int k;

  ConfidentMistakesFunction(Broadcast<ModelArtifacts> model, int batchSize, int k) {
    this.model = model;
    this.batchSize = batchSize;
    this.k = k;
  }

  @Override
  public Iterator<Mistake> call(Iterator<DigitRecord> records) {
    if (!records.hasNext()) return List.<Mistake>of().iterator();
    // Loaded per partition and dropped after (a few per run), with a session of its own: kept
    // executor-wide as
    // scoring's is, every trained model would stay in the JVM of a notebook or a test for its life.
    try (Predictor net = Predictor.ownSession(model.value(), 1)) {
      return mistakes(net, records).iterator();
    }
  }

  private List<Mistake> mistakes(Predictor net, Iterator<DigitRecord> records) {
    Mistake.Top top = new Mistake.Top(k);
    Batches.of(records, batchSize).forEachRemaining(batch -> score(net, batch, top));
    return top.sorted();
  }

  static void score(Predictor net, List<DigitRecord> records, Mistake.Top top) {
    List<DigitRecord> batch = new ArrayList<>(records.size());
    for (DigitRecord r : records) if (r.getLabel() != null && r.getPixels() != null) batch.add(r);
    if (batch.isEmpty()) return;
    List<byte[]> images = new ArrayList<>(batch.size());
    for (DigitRecord r : batch) images.add(r.getPixels());
    Predictor.Predictions predictions = net.predict(images);
    for (int i = 0; i < batch.size(); i++) {
      Predictor.Prediction p = predictions.get(i);
      DigitRecord r = batch.get(i);
      if (p.label() != r.getLabel()) {
        top.offer(
            new Mistake(r.getId(), r.getLabel(), p.label(), p.probabilities(), r.getPixels()));
      }
    }
  }
}
