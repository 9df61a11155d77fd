package io.digitclassifier.natives;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.data.Digits;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * A JVM scoring through ONNX Runtime as an executor does: {@code OnnxProbe PIXELS MODEL_DIR...}
 * reads digits (784 bytes each, one after another) and prints each model's ten probabilities per
 * digit at each optimisation level, as hexadecimal floats (exact). {@link NativeBuildChildJvmTest}
 * runs it on emulated CPUs and holds the figures to DL4J's.
 */
public final class OnnxProbe {
  private OnnxProbe() {}

  public static void main(String[] args) throws Exception {
    byte[] all = Files.readAllBytes(Path.of(args[0]));
    List<byte[]> digits = new ArrayList<>();
    for (int at = 0; at < all.length; at += Digits.PIXELS)
      digits.add(Arrays.copyOfRange(all, at, at + Digits.PIXELS));
    for (int m = 1; m < args.length; m++) {
      ModelArtifacts model = ModelArtifacts.read(args[m], new Configuration(), Engine.ONNX);
      for (Predictor.Optimization level : Predictor.Optimization.values()) {
        try (Predictor p = Predictor.ownSession(model, 1, level)) {
          Predictor.Predictions predictions = p.predict(digits);
          for (int i = 0; i < predictions.size(); i++) {
            float[] probabilities = predictions.get(i).probabilities();
            List<String> hex = new ArrayList<>();
            for (float f : probabilities) hex.add(Float.toHexString(f));
            System.out.printf(
                "ORT model=%d level=%s digit=%d p=%s%n",
                m, level, i, hex.stream().collect(Collectors.joining(",")));
          }
        }
      }
    }
  }
}
