package io.digitclassifier.training;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.report.Mistake;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * For the training report, inside one partition of the held-out set: scores the digits in batches with the
 * final network (broadcast as its {@code model.zip} bytes) and keeps only the {@code k} most confident mistakes,
 * so the driver collects at most {@code k} per partition and never the set itself.
 */
final class ConfidentMistakesFunction implements FlatMapFunction<Iterator<DigitRecord>, Mistake> {
  private static final long serialVersionUID = 1L;

  private final Broadcast<byte[]> model;
  private final int batchSize;
  private final int k;

  ConfidentMistakesFunction(Broadcast<byte[]> model, int batchSize, int k) {
    this.model = model;
    this.batchSize = batchSize;
    this.k = k;
  }

  @Override
  public Iterator<Mistake> call(Iterator<DigitRecord> records) {
    if (!records.hasNext()) return List.<Mistake>of().iterator();
    io.digitclassifier.net.Dl4jHelpers.enable();
    ComputationGraph net;
    try {
      net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(model.value()), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load the final model to find its mistakes: " + e.getMessage(), e);
    }
    Mistake.Top top = new Mistake.Top(k);
    List<DigitRecord> batch = new ArrayList<>(batchSize);
    while (records.hasNext()) {
      DigitRecord r = records.next();
      if (r.getLabel() != null && r.getPixels() != null) batch.add(r);
      if (batch.size() == batchSize || !records.hasNext()) {
        score(net, batch, top);
        batch.clear();
      }
    }
    return top.sorted().iterator();
  }

  static void score(ComputationGraph net, List<DigitRecord> batch, Mistake.Top top) {
    if (batch.isEmpty()) return;
    List<byte[]> images = new ArrayList<>(batch.size());
    for (DigitRecord r : batch) images.add(r.getPixels());
    float[] p = net.outputSingle(false, Digits.toFeatures(images)).data().asFloat();
    for (int i = 0; i < batch.size(); i++) {
      int best = 0;
      for (int c = 1; c < Digits.CLASSES; c++) if (p[i * Digits.CLASSES + c] > p[i * Digits.CLASSES + best]) best = c;
      DigitRecord r = batch.get(i);
      if (best != r.getLabel()) {
        float[] row = new float[Digits.CLASSES];
        System.arraycopy(p, i * Digits.CLASSES, row, 0, Digits.CLASSES);
        top.offer(new Mistake(r.getId(), r.getLabel(), best, row, r.getPixels()));
      }
    }
  }
}
