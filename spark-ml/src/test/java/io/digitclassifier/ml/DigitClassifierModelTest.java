package io.digitclassifier.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestModels;
import io.digitclassifier.TestProperties;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.data.Digits;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.predict.PredictorPool;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DigitClassifierModel on a LeNet trained on real MNIST: every accepted feature type against the
 * one predictor, MLlib's evaluator, bad rows under each handleInvalid, loads per executor,
 * save/load alone and in a PipelineModel, the SQL functions and a restarted streaming query.
 */
class DigitClassifierModelTest extends SparkTestBase {
  private static final int N = 400;
  private static Path modelDir;
  private static List<DigitRecord> digits;
  private static Predictor reference;

  @TempDir Path tmp;

  @BeforeAll
  static void loadReference() {
    modelDir = TestModels.lenet();
    digits = TestModels.testDigits(N);
    reference =
        Predictor.load(modelDir.toUri().toString(), new org.apache.hadoop.conf.Configuration());
  }

  private static final StructType ARRAY_INT = MnistFrames.SCHEMA;

  private static Dataset<Row> frame(List<DigitRecord> records) {
    return MnistFrames.frame(spark, records);
  }

  private static DigitClassifierModel model() {
    return DigitClassifierModel.load(modelDir.toString()).setFeaturesCol("pixels");
  }

  private static Map<Long, Row> byId(Dataset<Row> df) {
    Map<Long, Row> out = new HashMap<>();
    for (Row r : df.collectAsList()) out.put(r.getLong(r.fieldIndex("id")), r);
    return out;
  }

  @Test
  void scoresLikeThePredictorAndMllibEvaluatesIt() {
    Dataset<Row> scored = model().transform(frame(digits).repartition(5));
    assertThat(scored.columns())
        .containsExactly("id", "label", "pixels", "prediction", "rawPrediction", "probability");
    Map<Long, Row> rows = byId(scored);
    assertThat(rows).hasSize(N);
    int correct = 0;
    for (DigitRecord d : digits) {
      Predictor.Prediction expected = reference.predict(d.getPixels());
      Row r = rows.get(d.getId());
      assertThat(r.getDouble(r.fieldIndex("prediction"))).isEqualTo(expected.label());
      Vector p = r.getAs("probability");
      for (int k = 0; k < Digits.CLASSES; k++)
        assertThat(p.apply(k)).isEqualTo(expected.probabilities()[k]);
      if (expected.label() == d.getLabel()) correct++;
    }
    double accuracy =
        new MulticlassClassificationEvaluator()
            .setMetricName("accuracy")
            .evaluate(scored.withColumn("label", col("label").cast("double")));
    assertThat(accuracy).isEqualTo((double) correct / N).isGreaterThan(0.8);
  }

  @Test
  void aConfidenceColumnGivesThePredictedDigitsProbabilityWithoutAnyVector() {
    Dataset<Row> scored =
        model()
            .setProbabilityCol("")
            .setRawPredictionCol("")
            .setConfidenceCol("confidence")
            .transform(frame(digits.subList(0, 100)).repartition(3));
    assertThat(scored.columns())
        .containsExactly("id", "label", "pixels", "prediction", "confidence");
    assertThat(scored.schema().apply("confidence").dataType()).isEqualTo(DataTypes.DoubleType);
    Map<Long, Row> rows = byId(scored);
    assertThat(rows).hasSize(100);
    for (DigitRecord d : digits.subList(0, 100)) {
      Predictor.Prediction expected = reference.predict(d.getPixels());
      Row r = rows.get(d.getId());
      assertThat(r.getDouble(r.fieldIndex("prediction"))).isEqualTo(expected.label());
      assertThat(r.getDouble(r.fieldIndex("confidence")))
          .isEqualTo((double) expected.confidence())
          .isEqualTo((double) expected.probabilities()[expected.label()]);
    }
    // beside the vector, the same number as the vector's entry for the prediction
    Row both =
        model()
            .setConfidenceCol("confidence")
            .transform(frame(digits.subList(0, 1)))
            .select("prediction", "probability", "confidence")
            .first();
    assertThat(both.getDouble(2))
        .isEqualTo(((Vector) both.get(1)).apply((int) both.getDouble(0)))
        .isEqualTo(((Vector) both.get(1)).toArray()[((Vector) both.get(1)).argmax()]);
  }

  @Test
  void everyFeatureTypeGivesTheSamePredictions() throws IOException {
    List<DigitRecord> few = digits.subList(0, 40);
    Dataset<Row> ints = frame(few);
    Dataset<Row> doubles = ints.withColumn("pixels", col("pixels").cast("array<double>"));
    Dataset<Row> bytes =
        spark.createDataFrame(
            few.stream().map(r -> RowFactory.create(r.getId(), r.getPixels())).toList(),
            new StructType().add("id", DataTypes.LongType).add("pixels", DataTypes.BinaryType));
    Dataset<Row> vectors =
        spark.createDataFrame(
            few.stream()
                .map(
                    r -> {
                      double[] v = new double[Digits.PIXELS];
                      for (int i = 0; i < v.length; i++) v[i] = r.pixel(i);
                      return RowFactory.create(
                          r.getId(),
                          i(r) % 2 == 0 ? Vectors.dense(v) : Vectors.dense(v).toSparse());
                    })
                .toList(),
            new StructType()
                .add("id", DataTypes.LongType)
                .add("pixels", new org.apache.spark.ml.linalg.VectorUDT()));
    Map<Long, Row> expected = byId(model().transform(ints));
    for (Dataset<Row> df : List.of(doubles, bytes, vectors)) {
      Map<Long, Row> got = byId(model().transform(df));
      for (DigitRecord d : few) {
        assertThat((Vector) got.get(d.getId()).getAs("probability"))
            .isEqualTo(expected.get(d.getId()).getAs("probability"));
      }
    }

    // image files: binaryFile's bytes and the image data source's struct both go through the MNIST
    // recipe
    Path dir = Files.createDirectories(tmp.resolve("png"));
    Map<String, byte[]> pngs = new HashMap<>();
    for (DigitRecord d : few) {
      byte[] png = png(d.getPixels(), d.getId() % 2 == 0);
      String name = "digit-" + d.getId() + ".png";
      Files.write(dir.resolve(name), png);
      pngs.put(name, png);
    }
    Map<String, Row> files = new HashMap<>();
    for (Row r :
        model()
            .setFeaturesCol("content")
            .transform(spark.read().format("binaryFile").load(dir.toString()))
            .collectAsList()) {
      files.put(
          Path.of(java.net.URI.create(r.getString(r.fieldIndex("path")))).getFileName().toString(),
          r);
    }
    Map<String, Row> images = new HashMap<>();
    for (Row r :
        model()
            .setFeaturesCol("image")
            .transform(spark.read().format("image").load(dir.toString()))
            .collectAsList()) {
      Row image = r.getStruct(r.fieldIndex("image"));
      images.put(Path.of(java.net.URI.create(image.getString(0))).getFileName().toString(), r);
    }
    assertThat(files.keySet()).isEqualTo(pngs.keySet());
    assertThat(images.keySet()).isEqualTo(pngs.keySet());
    for (Map.Entry<String, byte[]> e : pngs.entrySet()) {
      Predictor.Prediction p = reference.predict(ImagePreprocessor.toMnist(e.getValue()));
      double[] want = ScoreRowsFunction.toDoubles(p.probabilities());
      assertThat(((Vector) files.get(e.getKey()).getAs("probability")).toArray())
          .containsExactly(want);
      assertThat(((Vector) images.get(e.getKey()).getAs("probability")).toArray())
          .containsExactly(want);
    }
  }

  private static int i(DigitRecord r) {
    return (int) r.getId();
  }

  /**
   * A digit as a PNG: grey light ink on black, or (inverted) dark ink on a white page as a scan
   * would be.
   */
  private static byte[] png(byte[] pixels, boolean inverted) throws IOException {
    BufferedImage img = new BufferedImage(Digits.SIDE, Digits.SIDE, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < Digits.PIXELS; i++) {
      int v = pixels[i] & 0xFF;
      img.getRaster().setSample(i % Digits.SIDE, i / Digits.SIDE, 0, inverted ? 255 - v : v);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void rawPixelsThatBeginLikeAnImageFileAreStillPixels() {
    // a digit on a noisy background may start with "BM" (a BMP's magic) or 0xFF 0xD8 0xFF (JPEG's):
    // 784 bytes
    // are pixels whatever they begin with; found in review, failed before the fix ("an image file
    // that cannot be
    // read")
    List<Row> rows = new ArrayList<>();
    List<byte[]> pixels = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      byte[] p = digits.get(k).getPixels().clone();
      if (k == 0) {
        p[0] = 'B';
        p[1] = 'M';
      } else {
        p[0] = (byte) 0xFF;
        p[1] = (byte) 0xD8;
        p[2] = (byte) 0xFF;
      }
      pixels.add(p);
      rows.add(RowFactory.create((long) k + 1, p));
    }
    Dataset<Row> df =
        spark.createDataFrame(
            rows,
            new StructType().add("id", DataTypes.LongType).add("pixels", DataTypes.BinaryType));
    Map<Long, Row> scored = byId(model().transform(df));
    for (int k = 0; k < 2; k++) {
      double[] want = ScoreRowsFunction.toDoubles(reference.predict(pixels.get(k)).probabilities());
      assertThat(((Vector) scored.get((long) k + 1).getAs("probability")).toArray())
          .containsExactly(want);
    }
  }

  @Test
  void schemaIsCheckedBeforeAnyData() {
    Dataset<Row> df = frame(digits.subList(0, 3));
    assertThatThrownBy(() -> model().setFeaturesCol("features").transform(df))
        .hasMessage(
            "Cannot score: column features is not in the input (columns: id, label, pixels); set featuresCol "
                + "to the column holding the digits");
    assertThatThrownBy(() -> model().transform(df.withColumn("pixels", col("id").cast("string"))))
        .hasMessage(
            "Cannot score: column pixels is string; DigitClassifierModel accepts "
                + Features.ACCEPTED);
    assertThatThrownBy(() -> model().setPredictionCol("label").transform(df))
        .hasMessage(
            "Cannot score: the output column label is already in the input; set another name or drop it");
    assertThatThrownBy(() -> model().setHandleInvalid("ignore"))
        .hasMessageContaining("handleInvalid given invalid value ignore");
  }

  @Test
  void badRowsFollowHandleInvalid() {
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k < 6; k++)
      rows.add(RowFactory.create((long) k + 1, digits.get(k).getPixels()));
    rows.set(2, RowFactory.create(3L, new byte[10]));
    rows.set(4, RowFactory.create(5L, null));
    Dataset<Row> df =
        spark
            .createDataFrame(
                rows,
                new StructType().add("id", DataTypes.LongType).add("pixels", DataTypes.BinaryType))
            .coalesce(1);

    assertThatThrownBy(() -> model().transform(df).collectAsList())
        .hasStackTraceContaining(
            "Cannot score row 3 of partition 0 (id 3), column pixels: 10 bytes that are neither "
                + "784 pixels nor an image file (PNG, JPEG, GIF, BMP, TIFF, WebP)");
    List<Row> skipped = model().setHandleInvalid("skip").transform(df).collectAsList();
    assertThat(skipped).extracting(r -> r.getLong(0)).containsExactly(1L, 2L, 4L, 6L);

    // every output column at once, in transformSchema's order, and so in the rows' order
    Dataset<Row> kept =
        model().setHandleInvalid("keep").setConfidenceCol("confidence").transform(df);
    assertThat(kept.columns())
        .containsExactly(
            "id",
            "pixels",
            "prediction",
            "rawPrediction",
            "probability",
            "confidence",
            "invalidReason");
    assertThat(kept.count())
        .isEqualTo(6); // in = out + rejected: every row, the bad ones with their reason
    Map<Long, Row> byId = byId(kept);
    assertThat(byId.get(3L).isNullAt(byId.get(3L).fieldIndex("prediction"))).isTrue();
    assertThat(byId.get(3L).isNullAt(byId.get(3L).fieldIndex("confidence"))).isTrue();
    assertThat(byId.get(1L).getDouble(byId.get(1L).fieldIndex("confidence")))
        .isEqualTo((double) reference.predict(digits.get(0).getPixels()).confidence());
    assertThat(byId.get(3L).<String>getAs("invalidReason")).startsWith("10 bytes that are neither");
    assertThat(byId.get(5L).<String>getAs("invalidReason")).isEqualTo("the value is null");
    assertThat(byId.get(1L).<String>getAs("invalidReason")).isNull();
    assertThat(byId.get(1L).getDouble(byId.get(1L).fieldIndex("prediction")))
        .isEqualTo(reference.predict(digits.get(0).getPixels()).label());
  }

  @Test
  void modelIsLoadedOncePerTaskSlotNotPerPartition() {
    // DL4J's engine: no other test of this JVM holds its instances, and each concurrent task needs
    // its own
    DigitClassifierModel model = model().setEngine("dl4j");
    Map<Long, Row> onnx = byId(model().transform(frame(digits)));
    for (int run = 0; run < 4; run++) {
      Map<Long, Row> dl4j = byId(model.transform(frame(digits).repartition(16)));
      assertThat(dl4j).hasSize(N);
      for (DigitRecord d : digits) {
        assertThat(dl4j.get(d.getId()).getDouble(3)).isEqualTo(onnx.get(d.getId()).getDouble(3));
      }
      // local[2]: two tasks at once, so one or two instances in all, loaded in the first run,
      // whatever the partitions
      assertThat(model.modelLoads()).isBetween(1L, 2L);
    }
  }

  /**
   * An executor keeps the models it scored with last ({@code -Ddigitclassifier.models.kept}, here
   * 1, in local mode the driver's JVM): scoring again with the same model loads nothing, scoring
   * with another releases it, and it is loaded again when next used, with the same results.
   */
  @Test
  void anExecutorReleasesTheModelsItNoLongerKeeps() throws Exception {
    TestProperties.with(
        Map.of(PredictorPool.KEPT_PROPERTY, "1"),
        () -> {
          DigitClassifierModel onnx = model();
          // the same network on the other engine: another pool, since the engine is part of its key
          DigitClassifierModel dl4j = model().setEngine("dl4j");
          Dataset<Row> df = frame(digits.subList(0, 100)).repartition(4);
          dl4j.transform(df).collectAsList(); // releases what earlier tests left in this JVM
          List<Row> first = onnx.transform(df).orderBy("id").collectAsList();
          long loaded = onnx.modelLoads();
          assertThat(loaded).isBetween(1L, 2L);
          assertThat(onnx.transform(df).orderBy("id").collectAsList()).isEqualTo(first);
          assertThat(onnx.modelLoads()).isEqualTo(loaded);
          dl4j.transform(df).collectAsList();
          assertThat(onnx.transform(df).orderBy("id").collectAsList()).isEqualTo(first);
          assertThat(onnx.modelLoads()).isGreaterThan(loaded);
        });
  }

  @Test
  void savesAndLoadsAloneAndInsideAPipeline() throws IOException {
    DigitClassifierModel model =
        model()
            .setBatchSize(32)
            .setPredictionCol("digit")
            .setProbabilityCol("")
            .setConfidenceCol("sure");
    String path = tmp.resolve("stage").toString();
    model.write().save(path);
    assertThat(tmp.resolve("stage/metadata")).isDirectory();
    assertThat(tmp.resolve("stage/model.zip")).isRegularFile();
    assertThat(tmp.resolve("stage/model.onnx")).isRegularFile();
    assertThat(tmp.resolve("stage/_SUCCESS")).isRegularFile();
    assertThatThrownBy(() -> model.write().save(path)).hasMessageContaining("already exists");

    DigitClassifierModel loaded = DigitClassifierModel.load(path);
    assertThat(loaded.uid()).isEqualTo(model.uid());
    assertThat(loaded.getBatchSize()).isEqualTo(32);
    assertThat(loaded.getPredictionCol()).isEqualTo("digit");
    assertThat(loaded.getProbabilityCol()).isEmpty();
    assertThat(loaded.getConfidenceCol()).isEqualTo("sure");
    assertThat(loaded.sha256()).isEqualTo(model.sha256());

    Dataset<Row> df = frame(digits.subList(0, 50));
    SQLTransformer asDouble =
        new SQLTransformer().setStatement("SELECT *, CAST(label AS DOUBLE) AS truth FROM __THIS__");
    PipelineModel pipeline =
        new Pipeline().setStages(new PipelineStage[] {asDouble, model}).fit(df);
    String pipelinePath = tmp.resolve("pipeline").toString();
    pipeline.write().overwrite().save(pipelinePath);
    PipelineModel back = PipelineModel.load(pipelinePath);
    assertThat(back.stages()[1]).isInstanceOf(DigitClassifierModel.class);
    List<Row> want =
        pipeline
            .transform(df)
            .select("id", "digit", "rawPrediction", "sure")
            .orderBy("id")
            .collectAsList();
    assertThat(
            back.transform(df)
                .select("id", "digit", "rawPrediction", "sure")
                .orderBy("id")
                .collectAsList())
        .isEqualTo(want);
    assertThat(
            new MulticlassClassificationEvaluator()
                .setLabelCol("truth")
                .setPredictionCol("digit")
                .evaluate(back.transform(df)))
        .isGreaterThan(0.8);
  }

  @Test
  void loadsATrainingOutputDirectoryWithDefaults() {
    DigitClassifierModel m = DigitClassifierModel.load(modelDir.toString());
    assertThat(m.getFeaturesCol()).isEqualTo("features");
    assertThat(m.getHandleInvalid()).isEqualTo("error");
    assertThat(m.sha256()).isEqualTo(reference.sha256());
    assertThatThrownBy(() -> DigitClassifierModel.load(tmp.resolve("nothing").toString()))
        .hasMessageContaining("Cannot load model")
        .hasMessageContaining("no such file");
  }

  @Test
  void sqlFunctionsGiveTransformsAnswers() {
    String table = tmp.resolve("digits.parquet").toString();
    frame(digits.subList(0, 100)).write().parquet(table);
    model().registerFunctions(spark);
    List<Row> sql =
        spark
            .sql(
                "SELECT id, predict_digit(pixels) AS d, predict_digit_proba(pixels) AS p FROM parquet.`"
                    + table
                    + "` ORDER BY id")
            .collectAsList();
    Map<Long, Row> scored = byId(model().transform(spark.read().parquet(table)));
    assertThat(sql).hasSize(100);
    for (Row r : sql) {
      Row t = scored.get(r.getLong(0));
      assertThat((double) r.getInt(1)).isEqualTo(t.getDouble(t.fieldIndex("prediction")));
      List<Double> p = r.getList(2);
      assertThat(p).hasSize(Digits.CLASSES);
      assertThat(p.get(r.getInt(1)))
          .isEqualTo(((Vector) t.getAs("probability")).apply(r.getInt(1)));
    }
    assertThat(spark.sql("SELECT predict_digit(CAST(NULL AS BINARY))").first().isNullAt(0))
        .isTrue();
    assertThatThrownBy(() -> spark.sql("SELECT predict_digit(array(1, 2, 3))").collectAsList())
        .hasStackTraceContaining(
            "Cannot score with predict_digit: an array of 3 values, expected 784");
  }

  @Test
  void streamingScoresEveryRowOnceAcrossARestart() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    String out = tmp.resolve("out").toString();
    String checkpoint = tmp.resolve("checkpoint").toString();
    DigitClassifierModel model = model();
    frame(digits.subList(0, 100)).coalesce(1).write().parquet(in.resolve("batch-1").toString());
    frame(digits.subList(100, 180)).coalesce(1).write().parquet(in.resolve("batch-2").toString());
    runStream(model, in.toString() + "/*", out, checkpoint);
    frame(digits.subList(180, 300)).coalesce(1).write().parquet(in.resolve("batch-3").toString());
    runStream(
        model,
        in.toString() + "/*",
        out,
        checkpoint); // a restart: the first files are not scored again

    Dataset<Row> result = spark.read().parquet(out);
    assertThat(result.count()).isEqualTo(300);
    assertThat(result.select("id").distinct().count()).isEqualTo(300);
    Map<Long, Row> batch = byId(model.transform(frame(digits.subList(0, 300))));
    for (Row r : result.select("id", "prediction").collectAsList()) {
      Row b = batch.get(r.getLong(0));
      assertThat(r.getDouble(1)).isEqualTo(b.getDouble(b.fieldIndex("prediction")));
    }
  }

  private static void runStream(
      DigitClassifierModel model, String in, String out, String checkpoint) throws Exception {
    Dataset<Row> stream = spark.readStream().schema(ARRAY_INT).parquet(in);
    StreamingQuery q =
        model
            .transform(stream)
            .drop("pixels")
            .writeStream()
            .format("parquet")
            .option("checkpointLocation", checkpoint)
            .trigger(Trigger.AvailableNow())
            .start(out);
    q.awaitTermination();
    assertThat(q.exception().isEmpty()).isTrue();
  }
}
