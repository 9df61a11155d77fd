package io.digitclassifier.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchesTest {
  private static List<List<Integer>> groups(int n, int size) {
    List<List<Integer>> out = new ArrayList<>();
    Batches.of(IntStream.range(0, n).iterator(), size).forEachRemaining(out::add);
    return out;
  }

  @Test
  void consecutiveGroupsInOrderTheLastShorter() {
    assertThat(groups(7, 3)).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
    assertThat(groups(6, 3)).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5));
    assertThat(groups(0, 3)).isEmpty();
    assertThat(groups(2, 1)).containsExactly(List.of(0), List.of(1));
  }

  @Test
  void streamsReadingOnlyWhatOneGroupNeeds() {
    int[] read = {0};
    Iterator<Integer> counting =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return read[0] < 1000;
          }

          @Override
          public Integer next() {
            return read[0]++;
          }
        };
    Iterator<Integer> sums =
        Batches.map(counting, 10, b -> b.stream().mapToInt(Integer::intValue).sum());
    assertThat(sums.next()).isEqualTo(45);
    assertThat(read[0]).isEqualTo(10);
  }

  @Test
  void refusesASizeBelowOneAndReadingPastTheEnd() {
    assertThatThrownBy(() -> Batches.of(List.of(1).iterator(), 0))
        .hasMessage("A batch size must be >= 1, got 0");
    Iterator<List<Integer>> it = Batches.of(List.of(1).iterator(), 5);
    assertThat(it.next()).containsExactly(1);
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
  }
}
