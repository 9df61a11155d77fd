package io.digitclassifier.ml.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.ml.fit.Augmenter.Transform;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AugmenterTest extends SparkTestBase {
  private static final long SEED = 7;

  @Test
  void transformsStayWithinTheirBounds() {
    Augmenter a = Augmenter.original();
    double maxDeg = 0;
    double maxZoom = 0;
    double maxShift = 0;
    for (long id = 1; id <= 2000; id++) {
      for (int copy = 1; copy <= 8; copy++) {
        Transform t = a.transformFor(SEED, id, copy);
        assertThat(Math.abs(t.degrees())).isLessThanOrEqualTo(10);
        assertThat(t.zoomX()).isBetween(0.9, 1.1);
        assertThat(t.zoomY()).isBetween(0.9, 1.1);
        assertThat(Math.abs(t.shiftX())).isLessThanOrEqualTo(2.8);
        assertThat(Math.abs(t.shiftY())).isLessThanOrEqualTo(2.8);
        maxDeg = Math.max(maxDeg, Math.abs(t.degrees()));
        maxZoom = Math.max(maxZoom, Math.abs(t.zoomX() - 1));
        maxShift = Math.max(maxShift, Math.abs(t.shiftX()));
      }
    }
    // the ranges are used, not just respected
    assertThat(maxDeg).isGreaterThan(9.9);
    assertThat(maxZoom).isGreaterThan(0.099);
    assertThat(maxShift).isGreaterThan(2.7);
  }

  @Test
  void keepsTheShapeAndByteRange() {
    byte[] in = TestDigits.random(1, 3).get(0).getPixels();
    byte[] out = Augmenter.original().augment(in, SEED, 1, 1);
    assertThat(out).hasSize(Digits.PIXELS);
    assertThat(out).isNotEqualTo(in);
    float[] features = Digits.toFeatures(List.of(out)).data().asFloat();
    assertThat(features).hasSize(Digits.PIXELS);
    for (float f : features) assertThat(f).isBetween(0f, 1f);
  }

  @Test
  void identityTransformKeepsTheImage() {
    byte[] in = TestDigits.random(1, 4).get(0).getPixels();
    assertThat(Augmenter.apply(in, new Transform(0, 1, 1, 0, 0))).isEqualTo(in);
  }

  @Test
  void shiftMovesInkByWholePixels() {
    byte[] in = new byte[Digits.PIXELS];
    in[10 * 28 + 12] = (byte) 200;
    byte[] out = Augmenter.apply(in, new Transform(0, 1, 1, 2, -3));
    assertThat(out[7 * 28 + 14] & 0xFF).isEqualTo(200);
    assertThat(sum(out)).isEqualTo(200);
  }

  @Test
  void rotationTurnsAboutTheCentre() {
    // a horizontal bar through the centre, rotated 90 degrees, becomes a vertical bar
    byte[] in = new byte[Digits.PIXELS];
    for (int x = 4; x < 24; x++) {
      in[13 * 28 + x] = (byte) 255;
      in[14 * 28 + x] = (byte) 255;
    }
    byte[] out = Augmenter.apply(in, new Transform(90, 1, 1, 0, 0));
    for (int y = 5; y < 23; y++) {
      assertThat((out[y * 28 + 13] & 0xFF) + (out[y * 28 + 14] & 0xFF)).isGreaterThan(250);
    }
    assertThat(out[13 * 28 + 5] & 0xFF).isZero();
  }

  @Test
  void sameSeedGivesSamePixelsWhateverThePartitioning() {
    List<DigitRecord> digits = TestDigits.random(40, 11);
    Augmenter a = Augmenter.original();
    Map<String, String> one = copies(digits, 1, a);
    Map<String, String> four = copies(digits, 4, a);
    assertThat(one).hasSize(40 * 3).isEqualTo(four);
    // and another seed gives other pixels
    List<String> other =
        jsc.parallelize(digits, 2)
            .map(r -> Arrays.toString(a.augment(r.getPixels(), SEED + 1, r.getId(), 1)))
            .collect();
    assertThat(other).doesNotContainAnyElementsOf(one.values());
  }

  private static Map<String, String> copies(List<DigitRecord> digits, int partitions, Augmenter a) {
    List<String[]> rows =
        jsc.parallelize(digits, partitions)
            .flatMap(
                r -> {
                  List<String[]> out = new ArrayList<>();
                  for (int c = 1; c <= 3; c++) {
                    out.add(
                        new String[] {
                          r.getId() + "/" + c,
                          Arrays.toString(a.augment(r.getPixels(), SEED, r.getId(), c))
                        });
                  }
                  return out.iterator();
                })
            .collect();
    Map<String, String> m = new TreeMap<>();
    for (String[] row : rows) m.put(row[0], row[1]);
    return m;
  }

  @Test
  void refusesImpossibleRanges() {
    assertThatThrownBy(() -> new Augmenter(10, 1.5, 0.1))
        .hasMessageContaining("zoom and shift in [0, 1)");
  }

  private static int sum(byte[] b) {
    int s = 0;
    for (byte v : b) s += v & 0xFF;
    return s;
  }
}
