package io.digitclassifier.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The project's one way of cutting a stream into batches: consecutive groups of at most {@code
 * size} elements, in order, streamed (one group is held at a time), the last one shorter. Used for
 * minibatches (training, evaluation), forward passes (scoring, the training report) and tests.
 * Guava's {@code Iterators.partition} does the same, but Guava is not on the model module's
 * classpath, and Spark's own copy is too old to lean on.
 */
public final class Batches {
  private Batches() {}

  /** {@code items} in groups of at most {@code size}. */
  public static <T> Iterator<List<T>> of(Iterator<T> items, int size) {
    if (size < 1) throw new IllegalArgumentException("A batch size must be >= 1, got " + size);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return items.hasNext();
      }

      @Override
      public List<T> next() {
        if (!items.hasNext()) throw new NoSuchElementException();
        List<T> batch = new ArrayList<>(size);
        while (batch.size() < size && items.hasNext()) batch.add(items.next());
        return batch;
      }
    };
  }

  /** Each group of {@link #of} made into one value by {@code batch}, lazily. */
  public static <T, R> Iterator<R> map(
      Iterator<T> items, int size, Function<? super List<T>, ? extends R> batch) {
    Iterator<List<T>> groups = of(items, size);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return groups.hasNext();
      }

      @Override
      public R next() {
        return batch.apply(groups.next());
      }
    };
  }
}
