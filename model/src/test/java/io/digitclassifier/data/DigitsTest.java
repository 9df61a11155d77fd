package io.digitclassifier.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class DigitsTest {
  /** Two digits holding every byte value 0-255 between them, in a scrambled order. */
  private static List<byte[]> everyByteValue() {
    byte[] a = new byte[Digits.PIXELS];
    byte[] b = new byte[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) {
      a[i] = (byte) (i * 7);
      b[i] = (byte) (255 - i * 13);
    }
    return List.of(a, b);
  }

  @Test
  void eachPixelBecomesItsValueOver255AsAFloatDivisionGivesIt() {
    List<byte[]> images = everyByteValue();
    float[] floats = Digits.toFloats(images);
    assertThat(floats).hasSize(2 * Digits.PIXELS);
    for (int k = 0; k < floats.length; k++) {
      int value = images.get(k / Digits.PIXELS)[k % Digits.PIXELS] & 0xFF;
      // exactly, not within a tolerance: DL4J and ONNX Runtime must see the same input
      assertThat(Float.floatToIntBits(floats[k]))
          .as("pixel %d (value %d)", k, value)
          .isEqualTo(Float.floatToIntBits(value / 255f));
    }
  }

  @Test
  void aDirectBufferReceivesTheSameFloatsFromItsPosition() {
    List<byte[]> images = everyByteValue();
    FloatBuffer buffer =
        ByteBuffer.allocateDirect((3 + 2 * Digits.PIXELS) * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    buffer.put(-1f).put(-1f).put(-1f);
    Digits.putFloats(images, buffer);
    assertThat(buffer.remaining()).isZero();
    float[] written = new float[2 * Digits.PIXELS];
    buffer.position(3);
    buffer.get(written);
    assertThat(written).containsExactly(Digits.toFloats(images));
    assertThat(buffer.get(0)).isEqualTo(-1f);
  }
}
