package io.digitclassifier.ml;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.JsonNode;
import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.ml.fit.EpochMetrics;
import io.digitclassifier.ml.fit.FitSettings;
import io.digitclassifier.spark.NativesPlugin;
import io.digitclassifier.spark.SparkSessions;
import io.digitclassifier.storage.Json;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Where a model came from, typed, as Tribuo's {@code ModelProvenance} is: its identity (the
 * SHA-256s of {@code model.zip} and of the ONNX bytes that run), the fit's settings, what it
 * trained and was evaluated on, each epoch, the final evaluation, and the versions, cluster and
 * natives it ran with. Read from the model's {@code metrics.json}, whichever wrote it ({@code
 * bin/train}, whose {@code configuration} holds the settings under the job's option names, or
 * {@code DigitClassifier.fit}); what a model has no record of is null (a bare {@code model.zip}).
 *
 * @param inputs SHA-256 of each input, by path (bin/train; null for a fit from a DataFrame)
 */
public record ModelProvenance(
    String source,
    String zipSha256,
    String onnxSha256,
    @JsonAlias("configuration") FitSettings settings,
    Long trainImages,
    Long testImages,
    Map<String, String> inputs,
    List<EpochMetrics> epochs,
    EvaluationSummary finalEvaluation,
    Map<String, String> versions,
    SparkSessions.WhereItRan cluster,
    NativesPlugin.Natives natives)
    implements Serializable {

  /** The provenance of a model with these files; {@code metricsJson} may be null. */
  static ModelProvenance of(
      String source, String zipSha256, String onnxSha256, String metricsJson) {
    if (metricsJson == null) {
      return new ModelProvenance(
          source, zipSha256, onnxSha256, null, null, null, null, null, null, null, null, null);
    }
    try {
      JsonNode tree = Json.MAPPER.readTree(metricsJson);
      JsonNode settings = tree.has("settings") ? tree.get("settings") : tree.get("configuration");
      return new ModelProvenance(
          source,
          zipSha256,
          onnxSha256,
          settings == null || settings.isNull() ? null : read(settings, FitSettings.class),
          tree.hasNonNull("trainImages") ? tree.get("trainImages").asLong() : null,
          tree.hasNonNull("testImages") ? tree.get("testImages").asLong() : null,
          read(tree.get("inputs"), Map.class),
          tree.hasNonNull("epochs")
              ? List.of(read(tree.get("epochs"), EpochMetrics[].class))
              : null,
          read(tree.get("finalEvaluation"), EvaluationSummary.class),
          read(tree.get("versions"), Map.class),
          read(tree.get("cluster"), SparkSessions.WhereItRan.class),
          read(tree.get("natives"), NativesPlugin.Natives.class));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the provenance of model "
              + source
              + ": its metrics.json is not JSON ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T read(JsonNode node, Class<?> type) throws IOException {
    return node == null || node.isNull() ? null : (T) Json.MAPPER.treeToValue(node, type);
  }
}
