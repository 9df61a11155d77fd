package io.digitclassifier.ml.fit;

import io.digitclassifier.data.Batches;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.apache.spark.api.java.function.Function2;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The augmentation stage, inside one partition: every training image and its {@code copies}
 * augmented copies, shuffled in windows and normalised into minibatches of {@code batchSize}.
 * Copies are seeded from (seed, id, copyOffset + copy), so they do not depend on the partitioning,
 * and an epoch with a new offset gets new copies; the shuffle is seeded from (seed, epoch,
 * partition). Streams: at most one window of images is held at a time.
 */
public final class AugmentAndBatchFunction
    implements Function2<Integer, Iterator<DigitRecord>, Iterator<DataSet>> {
  private static final long serialVersionUID = 1L;

  /** Source images per shuffle window: with 8 copies, 9 x 1024 images mixed per window. */
  static final int WINDOW = 1024;

  private final Augmenter augmenter;
  private final int copies;
  private final int copyOffset;
  private final int batchSize;
  private final long seed;
  private final int epoch;

  public AugmentAndBatchFunction(
      Augmenter augmenter, int copies, int copyOffset, int batchSize, long seed, int epoch) {
    this.augmenter = augmenter;
    this.copies = copies;
    this.copyOffset = copyOffset;
    this.batchSize = batchSize;
    this.seed = seed;
    this.epoch = epoch;
  }

  /** One labelled image of the augmented training set. */
  public record Example(byte[] pixels, int label) {}

  /**
   * The original and its copies, as byte images (exposed for tests and the augmentation report).
   */
  public List<Example> expand(DigitRecord r) {
    List<Example> out = new ArrayList<>(copies + 1);
    out.add(new Example(r.getPixels(), r.getLabel()));
    for (int c = 1; c <= copies; c++) {
      out.add(
          new Example(
              augmenter.augment(r.getPixels(), seed, r.getId(), copyOffset + c), r.getLabel()));
    }
    return out;
  }

  @Override
  public Iterator<DataSet> call(Integer partition, Iterator<DigitRecord> records) {
    // runs on each executor before its training worker builds the network
    io.digitclassifier.spark.ExecutorSetup.ensure();
    Random shuffle = new Random(Augmenter.mix(seed * 31 + epoch) ^ partition);
    return new Iterator<>() {
      private final List<Example> window = new ArrayList<>();
      private Iterator<List<Example>> batches = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        if (batches.hasNext()) return true;
        window.clear();
        for (int n = 0; n < WINDOW && records.hasNext(); n++) {
          DigitRecord r = records.next();
          if (r.getLabel() == null) {
            throw new IllegalArgumentException(
                "Cannot train on "
                    + r.getSource()
                    + " "
                    + r.getPosition()
                    + ": the record has no label");
          }
          window.addAll(expand(r));
        }
        Collections.shuffle(window, shuffle);
        // a window's last minibatch may be short: minibatches never mix two windows
        batches = Batches.of(window.iterator(), batchSize);
        return batches.hasNext();
      }

      @Override
      public DataSet next() {
        if (!hasNext()) throw new NoSuchElementException();
        List<Example> batch = batches.next();
        List<byte[]> images = new ArrayList<>(batch.size());
        int[] labels = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
          images.add(batch.get(i).pixels());
          labels[i] = batch.get(i).label();
        }
        return Digits.toDataSet(images, labels);
      }
    };
  }
}
