package io.digitclassifier.ml.fit;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import java.util.List;
import org.junit.jupiter.api.Test;

class AugmentAndBatchFunctionTest {
  private static final DigitRecord DIGIT = digit();

  private static DigitRecord digit() {
    byte[] px = new byte[Digits.PIXELS];
    for (int y = 6; y < 22; y++) {
      for (int x = 12; x < 16; x++) px[y * Digits.SIDE + x] = (byte) 255; // a thick "1"
    }
    return new DigitRecord(7L, 1, px, "test", "row 1");
  }

  private static List<byte[]> copies(int copyOffset) {
    return new AugmentAndBatchFunction(new Augmenter(10, 0.1, 0.1), 2, copyOffset, 32, 42, 1)
        .expand(DIGIT).stream().map(AugmentAndBatchFunction.Example::pixels).toList();
  }

  @Test
  void theOriginalComesFirstThenItsCopies() {
    List<byte[]> out = copies(0);
    assertThat(out).hasSize(3);
    assertThat(out.get(0)).isEqualTo(DIGIT.getPixels());
    assertThat(out.get(1)).isNotEqualTo(DIGIT.getPixels()).isNotEqualTo(out.get(2));
  }

  @Test
  void aNewCopyOffsetMakesNewCopiesAndTheSameOffsetTheSameOnes() {
    List<byte[]> epoch1 = copies(0);
    List<byte[]> epoch2 = copies(2);
    assertThat(copies(0).get(1)).isEqualTo(epoch1.get(1));
    assertThat(epoch2.get(0)).isEqualTo(epoch1.get(0));
    assertThat(epoch2.get(1)).isNotEqualTo(epoch1.get(1)).isNotEqualTo(epoch1.get(2));
    // copy numbers continue: the second epoch's first copy is copy 3
    assertThat(epoch2.get(1))
        .isEqualTo(new Augmenter(10, 0.1, 0.1).augment(DIGIT.getPixels(), 42, 7L, 3));
  }
}
