package io.digitclassifier.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitclassifier.SparkTestBase;
import io.digitclassifier.TestDigits;
import io.digitclassifier.TestModels;
import io.digitclassifier.TestParquet;
import io.digitclassifier.TestProperties;
import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.image.DigitPhotos;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.predict.PredictorPool;
import io.digitclassifier.storage.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoringJobTest extends SparkTestBase {
  @TempDir static Path dir;
  static Path model;
  static List<DigitRecord> digits;

  @BeforeAll
  static void model() throws Exception {
    model = TestModels.lenet();
    digits = TestModels.testDigits(300);
  }

  private static ScoringConfig config(
      String input, String out, OutputFormat format, Path kaggle, BadRecordPolicy policy) {
    return config(input, out, format, kaggle, policy, true);
  }

  private static ScoringConfig config(
      String input,
      String out,
      OutputFormat format,
      Path kaggle,
      BadRecordPolicy policy,
      boolean probabilities,
      String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--input",
                input,
                "--model",
                model.toString(),
                "--output",
                dir.resolve(out).toString(),
                "--output-format",
                format.sparkName(),
                "--batch-size",
                "64",
                "--on-bad-record",
                policy.name(),
                "--partitions",
                "3",
                "--report-samples",
                "24"));
    if (probabilities) args.add("--probabilities");
    if (kaggle != null) args.addAll(List.of("--kaggle-submission", kaggle.toString()));
    args.addAll(List.of(more));
    return ScoringConfig.parse(args.toArray(String[]::new));
  }

  /** id:label:trueLabel per row, in id order. */
  private static List<String> predictions(Path out, OutputFormat format) {
    return rows(out, format).stream()
        .map(r -> r.getAs("id") + ":" + r.getAs("label") + ":" + r.getAs("trueLabel"))
        .collect(Collectors.toList());
  }

  /**
   * Confidences in id order: equal up to float rounding (batches differ with each reader's
   * partitioning).
   */
  private static double[] confidences(Path out, OutputFormat format) {
    return rows(out, format).stream()
        .mapToDouble(r -> ((Number) r.getAs("confidence")).doubleValue())
        .toArray();
  }

  private static List<Row> rows(Path out, OutputFormat format) {
    var reader = spark.read().format(format.sparkName());
    if (format == OutputFormat.CSV)
      reader = reader.option("header", "true").option("inferSchema", "true");
    return reader.load(out.toString()).orderBy("id").collectAsList();
  }

  @Test
  void everyInputFormatHoldingTheSameDigitsGivesTheSamePredictions() throws Exception {
    Path idx =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("idx")), "t10k", digits, false)
            .images();
    Path idxGz =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("idxgz")), "t10k", digits, true)
            .images();
    Path csv = TestDigits.writeCsv(dir.resolve("digits.csv"), digits, true);
    Path parquet = TestParquet.writeBinary(spark, dir.resolve("digits.parquet"), digits);

    ScoringSummary s =
        ScoringJob.run(
            config(idx.toString(), "from-idx", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
            spark);
    assertThat(s.read()).isEqualTo(300);
    assertThat(s.scored()).isEqualTo(300);
    assertThat(s.rejected()).isZero();
    assertThat(s.evaluation().accuracy()).isGreaterThan(0.9);
    // 3 partitions on local[2]: at most one instance per task slot in this JVM (the one executor),
    // however many
    // partitions, rows or runs; the instances stay loaded for later runs
    assertThat(s.modelLoads()).isLessThanOrEqualTo(2);
    List<String> expected = predictions(dir.resolve("from-idx"), OutputFormat.PARQUET);
    assertThat(expected).hasSize(300);

    // without --probabilities: the stage gives the confidence alone, no vector
    ScoringSummary again =
        ScoringJob.run(
            config(
                idxGz.toString(),
                "from-idxgz",
                OutputFormat.PARQUET,
                null,
                BadRecordPolicy.FAIL,
                false),
            spark);
    // this JVM's instances serve the next run: still at most one per task slot over both
    assertThat(s.modelLoads() + again.modelLoads()).isLessThanOrEqualTo(2);
    ScoringJob.run(
        config(csv.toString(), "from-csv", OutputFormat.CSV, null, BadRecordPolicy.FAIL), spark);
    ScoringJob.run(
        config(
            parquet.toString(), "from-parquet", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
        spark);
    assertThat(predictions(dir.resolve("from-idxgz"), OutputFormat.PARQUET)).isEqualTo(expected);
    assertThat(predictions(dir.resolve("from-csv"), OutputFormat.CSV)).isEqualTo(expected);
    assertThat(predictions(dir.resolve("from-parquet"), OutputFormat.PARQUET)).isEqualTo(expected);
    double[] conf = confidences(dir.resolve("from-idx"), OutputFormat.PARQUET);
    assertThat(confidences(dir.resolve("from-idxgz"), OutputFormat.PARQUET))
        .containsExactly(conf, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(spark.read().parquet(dir.resolve("from-idxgz").toString()).columns())
        .containsExactly("id", "label", "confidence", "trueLabel");
    // the confidence is the written probability of the written label, to the bit
    for (Row r : rows(dir.resolve("from-idx"), OutputFormat.PARQUET)) {
      scala.collection.Seq<Float> p = r.getAs("probabilities");
      assertThat(r.<Float>getAs("confidence")).isEqualTo(p.apply(r.<Integer>getAs("label")));
    }
    assertThat(confidences(dir.resolve("from-csv"), OutputFormat.CSV))
        .containsExactly(conf, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(confidences(dir.resolve("from-parquet"), OutputFormat.PARQUET))
        .containsExactly(conf, org.assertj.core.data.Offset.offset(1e-5));

    // the output directory holds the part files, _summary.json and nothing half-written
    ScoringSummary fromDisk =
        Json.read(dir.resolve("from-idx/_summary.json"), ScoringSummary.class);
    assertThat(fromDisk.modelSha256()).hasSize(64).isEqualTo(s.modelSha256());
    assertThat(fromDisk.natives().driver().build())
        .isEqualTo(io.digitclassifier.natives.LoadedNatives.build());
    assertThat(dir.resolve(".from-idx.inprogress")).doesNotExist();
    Row first = spark.read().parquet(dir.resolve("from-idx").toString()).orderBy("id").first();
    assertThat(first.<scala.collection.Seq<Float>>getAs("probabilities").size()).isEqualTo(10);
  }

  @Test
  void onnxRuntimeAndDl4jScoreTheSameLabelsAndTheSummarySaysWhichRan() throws Exception {
    Path idx =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("engines")), "t10k", digits, false)
            .images();
    ScoringSummary onnx =
        ScoringJob.run(
            config(idx.toString(), "engine-onnx", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
            spark);
    ScoringConfig dl4jConfig =
        ScoringConfig.parse(
            "--input",
            idx.toString(),
            "--model",
            model.toString(),
            "--output",
            dir.resolve("engine-dl4j").toString(),
            "--batch-size",
            "64",
            "--engine",
            "dl4j");
    ScoringSummary dl4j = ScoringJob.run(dl4jConfig, spark);
    assertThat(predictions(dir.resolve("engine-onnx"), OutputFormat.PARQUET))
        .isEqualTo(predictions(dir.resolve("engine-dl4j"), OutputFormat.PARQUET));
    assertThat(confidences(dir.resolve("engine-onnx"), OutputFormat.PARQUET))
        .containsExactly(
            confidences(dir.resolve("engine-dl4j"), OutputFormat.PARQUET),
            org.assertj.core.data.Offset.offset(1e-4));
    // the model's identity is its model.zip whatever runs it; the summary names the engine and the
    // ONNX bytes
    ScoringSummary fromDisk =
        Json.read(dir.resolve("engine-onnx/_summary.json"), ScoringSummary.class);
    assertThat(fromDisk.modelSha256()).isEqualTo(dl4j.modelSha256());
    assertThat(fromDisk.engine()).isEqualTo("onnxruntime");
    assertThat(fromDisk.onnxSha256()).matches("[0-9a-f]{64}");
    assertThat(fromDisk.onnxOrigin())
        .isIn(
            io.digitclassifier.artifacts.ModelArtifacts.EXPORTED,
            io.digitclassifier.artifacts.ModelArtifacts.FROM_FILE);
    assertThat(onnx.engine()).isEqualTo("onnxruntime");
    assertThat(dl4j.engine()).isEqualTo("dl4j");
    assertThat(dl4j.onnxSha256()).isNull();
  }

  @Test
  void kaggleSubmissionMatchesTheGoldenFile() throws Exception {
    Path csv =
        TestDigits.writeCsv(
            dir.resolve("test.csv"), TestDigits.withoutLabels(digits.subList(0, 8)), false);
    Path kaggle = dir.resolve("submission.csv");
    ScoringSummary s =
        ScoringJob.run(
            config(csv.toString(), "kaggle", OutputFormat.CSV, kaggle, BadRecordPolicy.FAIL),
            spark);
    assertThat(s.evaluation()).isNull();
    String golden =
        new String(
            getClass().getResourceAsStream("/golden/kaggle-first8.csv").readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(Files.readString(kaggle)).isEqualTo(golden);
  }

  @Test
  void kaggleSubmissionHasOneRowPerImageInInputOrder() throws Exception {
    Path csv =
        TestDigits.writeCsv(dir.resolve("test300.csv"), TestDigits.withoutLabels(digits), false);
    Path kaggle = dir.resolve("submission300.csv");
    ScoringJob.run(
        config(csv.toString(), "kaggle300", OutputFormat.PARQUET, kaggle, BadRecordPolicy.FAIL),
        spark);
    List<String> lines = Files.readAllLines(kaggle);
    assertThat(lines).hasSize(301);
    assertThat(lines.get(0)).isEqualTo("ImageId,Label");
    for (int i = 1; i <= 300; i++) assertThat(lines.get(i)).matches(i + ",[0-9]");
    assertThat(Files.readString(kaggle)).doesNotContain("\r").endsWith("\n");
  }

  @Test
  void quarantineScoresTheGoodRecordsAndAccountsForEveryBadOne() throws Exception {
    List<String> lines =
        new ArrayList<>(
            Files.readAllLines(
                TestDigits.writeCsv(dir.resolve("good.csv"), digits.subList(0, 50), true)));
    lines.set(5, lines.get(5).replaceFirst(",0,", ",-4,")); // negative value
    lines.set(9, lines.get(9).substring(0, lines.get(9).lastIndexOf(','))); // a column short
    lines.set(20, lines.get(20).replaceFirst(",0,", ",NaN,")); // NaN
    Path bad = Files.write(dir.resolve("bad.csv"), lines);
    Path out = dir.resolve("quarantined");
    ScoringSummary s;
    try (LogCapture log = LogCapture.warnings()) {
      s =
          ScoringJob.run(
              config(
                  bad.toString(),
                  "quarantined",
                  OutputFormat.PARQUET,
                  null,
                  BadRecordPolicy.QUARANTINE),
              spark);
      // reading back _rejected/ for the summary and the report is not something to warn about
      assertThat(log.lines()).noneMatch(l -> l.contains("were ignored"));
    }
    assertThat(s.read()).isEqualTo(50);
    assertThat(s.scored()).isEqualTo(47);
    assertThat(s.rejected()).isEqualTo(3);
    List<Row> rejected =
        spark.read().parquet(out.resolve("_rejected").toString()).orderBy("id").collectAsList();
    assertThat(rejected)
        .extracting(r -> r.getAs("position"))
        .containsExactly("line 6", "line 10", "line 21");
    assertThat(rejected.get(0).<String>getAs("reason"))
        .contains("line 6", "'-4'", "expected an integer 0-255");
    assertThat(rejected.get(1).<String>getAs("reason")).contains("784 columns", "expected 785");
    assertThat(rejected.get(2).<String>getAs("reason")).contains("'NaN'");
    assertThat(rejected.get(0).<String>getAs("file")).endsWith("bad.csv");
    // ids are input positions: the scored ones are the other 47
    assertThat(spark.read().parquet(out.toString()).count()).isEqualTo(47);
  }

  @Test
  void quarantineOfIdxLabelsOutOfRange() throws Exception {
    List<DigitRecord> some = new ArrayList<>(digits.subList(0, 20));
    some.set(3, new DigitRecord(4, 12, some.get(3).getPixels(), null, null));
    Path images =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("badidx")), "t10k", some, false)
            .images();
    ScoringSummary s =
        ScoringJob.run(
            config(
                images.toString(),
                "idx-quarantined",
                OutputFormat.CSV,
                null,
                BadRecordPolicy.QUARANTINE),
            spark);
    assertThat(s.read()).isEqualTo(20);
    assertThat(s.rejected()).isEqualTo(1);
    assertThat(s.scored()).isEqualTo(19);
  }

  @Test
  void failModeStopsWithTheRowAndColumnAndLeavesNoOutput() throws Exception {
    List<String> lines =
        new ArrayList<>(
            Files.readAllLines(
                TestDigits.writeCsv(dir.resolve("g2.csv"), digits.subList(0, 30), true)));
    lines.set(12, lines.get(12).replaceFirst(",0,", ",300,"));
    Path bad = Files.write(dir.resolve("bad2.csv"), lines);
    assertThatThrownBy(
            () ->
                ScoringJob.run(
                    config(
                        bad.toString(),
                        "failed",
                        OutputFormat.PARQUET,
                        dir.resolve("k.csv"),
                        BadRecordPolicy.FAIL),
                    spark))
        .satisfies(
            e ->
                assertThat(BadInputException.find(e))
                    .isNotNull()
                    .hasMessageContaining("bad2.csv")
                    .hasMessageContaining("line 13")
                    .hasMessageContaining("'300'"));
    assertThat(dir.resolve("failed")).doesNotExist();
    assertThat(dir.resolve(".failed.inprogress")).doesNotExist();
    assertThat(dir.resolve("k.csv")).doesNotExist();
  }

  @Test
  void kaggleSubmissionIsRefusedWhenRecordsWereRejected() throws Exception {
    List<String> lines =
        new ArrayList<>(
            Files.readAllLines(
                TestDigits.writeCsv(
                    dir.resolve("g3.csv"),
                    TestDigits.withoutLabels(digits.subList(0, 10)),
                    false)));
    lines.set(2, lines.get(2).replaceFirst(",0,", ",x,"));
    Path bad = Files.write(dir.resolve("bad3.csv"), lines);
    Path kaggle = dir.resolve("k3.csv");
    assertThatThrownBy(
            () ->
                ScoringJob.run(
                    config(
                        bad.toString(),
                        "k3out",
                        OutputFormat.PARQUET,
                        kaggle,
                        BadRecordPolicy.QUARANTINE),
                    spark))
        .hasMessageContaining("1 records were rejected and Kaggle expects one row per image");
    assertThat(kaggle).doesNotExist();
    assertThat(dir.resolve("k3out")).doesNotExist();
  }

  @Test
  void aMissingCorruptOrIncompatibleModelIsAClearErrorBeforeSparkWork() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("m.csv"), digits.subList(0, 5), true);
    ScoringConfig missing =
        ScoringConfig.parse(
            "--input",
            csv.toString(),
            "--input-format",
            "csv",
            "--model",
            dir.resolve("nope").toString(),
            "--output",
            dir.resolve("o1").toString(),
            "--batch-size",
            "64");
    assertThatThrownBy(() -> ScoringJob.run(missing, spark))
        .hasMessageContaining("Cannot load model")
        .hasMessageContaining("nope")
        .hasMessageContaining("no such file");

    Path corrupt =
        Files.write(dir.resolve("corrupt.zip"), "not a zip".getBytes(StandardCharsets.UTF_8));
    ScoringConfig bad =
        ScoringConfig.parse(
            "--input",
            csv.toString(),
            "--input-format",
            "csv",
            "--model",
            corrupt.toString(),
            "--output",
            dir.resolve("o2").toString(),
            "--batch-size",
            "64");
    assertThatThrownBy(() -> ScoringJob.run(bad, spark))
        .hasMessageContaining("Cannot load model " + corrupt);

    Path other = dir.resolve("other.zip");
    var conf =
        new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
            .graphBuilder()
            .addInputs("in")
            .addLayer(
                "out",
                new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(5).nOut(3).build(),
                "in")
            .setOutputs("out")
            .build();
    var net = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
    net.init();
    org.deeplearning4j.util.ModelSerializer.writeModel(net, other.toFile(), false);
    ScoringConfig incompatible =
        ScoringConfig.parse(
            "--input",
            csv.toString(),
            "--input-format",
            "csv",
            "--model",
            other.toString(),
            "--output",
            dir.resolve("o3").toString(),
            "--batch-size",
            "64");
    assertThatThrownBy(() -> ScoringJob.run(incompatible, spark))
        .hasMessageContaining("Cannot use model " + other);
    // a cluster's driver checks on a session of its own, and refuses the same models the same way
    var hadoop = spark.sparkContext().hadoopConfiguration();
    assertThatThrownBy(() -> ScoringJob.checkModel(missing, hadoop, false, 1))
        .hasMessageContaining("Cannot load model")
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> ScoringJob.checkModel(bad, hadoop, false, 1))
        .hasMessageContaining("Cannot load model " + corrupt);
    assertThatThrownBy(() -> ScoringJob.checkModel(incompatible, hadoop, false, 1))
        .hasMessageContaining("Cannot use model " + other);
    ScoringJob.checkModel(
        config(csv.toString(), "o4", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
        hadoop,
        false,
        1);
    assertThat(dir.resolve("o1")).doesNotExist();
    assertThat(dir.resolve("o3")).doesNotExist();
  }

  /**
   * A run from the user's own Spark code (a local master) holds its model only while it runs: the
   * executor's pool keeps it afterwards, and releases it, ONNX Runtime session and all, when other
   * models take its place ({@code -Ddigitclassifier.models.kept}, here 1). Before, the check's
   * predictor kept every model a JVM had scored with loaded for the JVM's life.
   */
  @Test
  void aRunHoldsItsModelOnlyWhileItRuns() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("held.csv"), digits.subList(0, 50), true);
    TestProperties.with(
        Map.of(PredictorPool.KEPT_PROPERTY, "1"),
        () -> {
          ScoringSummary onnx =
              ScoringJob.run(
                  config(
                      csv.toString(),
                      "held-onnx",
                      OutputFormat.PARQUET,
                      null,
                      BadRecordPolicy.FAIL),
                  spark);
          assertThat(onnx.scored()).isEqualTo(50);
          int open = Predictor.sharedSessions();
          assertThat(open).isPositive();
          // the same model on DL4J: another pool, which takes the one place
          ScoringSummary dl4j =
              ScoringJob.run(
                  config(
                      csv.toString(),
                      "held-dl4j",
                      OutputFormat.PARQUET,
                      null,
                      BadRecordPolicy.FAIL,
                      true,
                      "--engine",
                      "dl4j"),
                  spark);
          assertThat(dl4j.scored()).isEqualTo(50);
          assertThat(Predictor.sharedSessions()).isEqualTo(open - 1);
        });
  }

  @Test
  void anExistingOutputIsRefusedWithoutOverwrite() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("e.csv"), digits.subList(0, 5), true);
    Files.createDirectories(dir.resolve("exists"));
    assertThatThrownBy(
            () ->
                ScoringJob.run(
                    config(
                        csv.toString(), "exists", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
                    spark))
        .hasMessageContaining("already exists; pass --overwrite");
  }

  @Test
  void mnistDigitsDrawnDarkOnWhiteAt200PixelsGetTheSamePredictions() throws Exception {
    List<DigitRecord> some = digits.subList(0, 40);
    Path folder = dir.resolve("drawn");
    for (DigitRecord d : some) {
      Path file =
          folder
              .resolve(String.valueOf(d.getLabel()))
              .resolve(String.format("%03d.png", d.getId()));
      Files.createDirectories(file.getParent());
      TestDigits.write(
          file, TestDigits.encode(TestDigits.digitImage(d.getPixels(), 200, true), "png"));
    }
    Path idx =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("idx40")), "t10k", some, false)
            .images();
    ScoringJob.run(
        config(idx.toString(), "grid40", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL), spark);
    ScoringSummary s =
        ScoringJob.run(
            config(
                folder.toString(), "drawn-out", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
            spark);
    assertThat(s.inputFormat()).isEqualTo("images");
    assertThat(s.scored()).isEqualTo(40);
    // true labels come from the folder names
    assertThat(s.evaluation()).isNotNull();

    java.util.Map<Long, Integer> fromGrid = new java.util.HashMap<>();
    for (Row r : rows(dir.resolve("grid40"), OutputFormat.PARQUET))
      fromGrid.put(r.getAs("id"), r.getAs("label"));
    int same = 0;
    for (Row r : rows(dir.resolve("drawn-out"), OutputFormat.PARQUET)) {
      String name = Path.of(r.<String>getAs("source")).getFileName().toString();
      long id = Long.parseLong(name.substring(0, 3));
      if (fromGrid.get(id).equals(r.getAs("label"))) same++;
    }
    // The MNIST recipe crops at an ink threshold and re-centres by mass, so a digit can move by a
    // pixel and a
    // borderline one flip (measured: 38 of 40 with a LeNet trained on 8,000 images)
    assertThat(same).isGreaterThanOrEqualTo(38);
  }

  @Test
  void photosOfHandwritingAreReadAndTheReportShowsWhatTheNetworkSaw() throws Exception {
    // 60 MNIST test digits as phone photos (every condition of the robustness corpus drawn at
    // random, seeded), and
    // three pages without a digit: photographed blank paper, ruled paper alone, the page's edge and
    // the desk.
    List<DigitRecord> some = digits.subList(0, 60);
    Path folder = dir.resolve("photos");
    for (DigitRecord d : some) {
      var photo =
          DigitPhotos.render(
              d.getPixels(),
              digits.get(299 - (int) d.getId()).getPixels(),
              DigitPhotos.Condition.PHOTO,
              d.getId());
      Path file =
          folder.resolve(String.valueOf(d.getLabel())).resolve(d.getId() + "." + photo.extension());
      Files.createDirectories(file.getParent());
      Files.write(file, photo.encoded());
    }
    byte[] none = new byte[io.digitclassifier.data.Digits.PIXELS];
    Path blank = Files.createDirectories(folder.resolve("blank"));
    int page = 0;
    for (var kind :
        List.of(
            DigitPhotos.Condition.PHOTO,
            DigitPhotos.Condition.RULED_LINES,
            DigitPhotos.Condition.PAGE_EDGE)) {
      var photo = DigitPhotos.render(none, null, kind, 11);
      Files.write(blank.resolve((++page) + "." + photo.extension()), photo.encoded());
    }
    Path idx =
        TestDigits.writeIdx(Files.createDirectories(dir.resolve("idx60")), "t10k", some, false)
            .images();
    ScoringSummary asGiven =
        ScoringJob.run(
            config(idx.toString(), "idx60-out", OutputFormat.PARQUET, null, BadRecordPolicy.FAIL),
            spark);

    ScoringSummary s =
        ScoringJob.run(
            config(
                folder.toString(),
                "photos-out",
                OutputFormat.PARQUET,
                null,
                BadRecordPolicy.QUARANTINE),
            spark);

    assertThat(s.read()).isEqualTo(63);
    assertThat(s.scored()).isEqualTo(60);
    assertThat(s.rejected()).isEqualTo(3);
    // measured: 59 of 60 as given, the same on the photos, with a LeNet trained on 8,000 images
    assertThat(s.evaluation().accuracy())
        .as("accuracy on the photos")
        .isGreaterThanOrEqualTo(asGiven.evaluation().accuracy() - 2.0 / 60);
    List<Row> rejected = rows(dir.resolve("photos-out/_rejected"), OutputFormat.PARQUET);
    assertThat(rejected)
        .extracting(r -> Path.of(r.<String>getAs("file")).getParent().getFileName().toString())
        .containsOnly("blank");
    assertThat(rejected)
        .allSatisfy(
            r ->
                assertThat(r.<String>getAs("reason"))
                    .contains(": no digit found (")
                    .endsWith("expected an image of one handwritten digit"));
    String report = Files.readString(dir.resolve("photos-out/_report.html"));
    assertThat(report).contains("What the network saw");
    assertThat(dir.resolve("photos-out/_input-samples.png")).isRegularFile();
    java.awt.image.BufferedImage sheet =
        javax.imageio.ImageIO.read(dir.resolve("photos-out/_input-samples.png").toFile());
    // 24 samples, 3 to a row: 18 scored and the 3 rejected ones (a quarter of 24, as far as there
    // are any)
    assertThat(sheet.getHeight()).isGreaterThan(7 * 112);
  }

  @Test
  void anImageFolderWhoseFirstFileIsUnlabelledIsStillEvaluated() throws Exception {
    // "0.png" sorts before "0/..." ('.' < '/'): the first record has no label, the six after it
    // have theirs
    Path folder = Files.createDirectories(dir.resolve("first-unlabelled"));
    TestDigits.write(
        folder.resolve("0.png"),
        TestDigits.encode(TestDigits.digitImage(digits.get(0).getPixels(), 56, true), "png"));
    for (DigitRecord d : digits.subList(1, 7)) {
      Path file =
          Files.createDirectories(folder.resolve(String.valueOf(d.getLabel())))
              .resolve(d.getId() + ".png");
      TestDigits.write(
          file, TestDigits.encode(TestDigits.digitImage(d.getPixels(), 56, true), "png"));
    }

    ScoringSummary s =
        ScoringJob.run(
            config(
                folder.toString(),
                "first-unlabelled-out",
                OutputFormat.PARQUET,
                null,
                BadRecordPolicy.FAIL),
            spark);

    assertThat(s.evaluation()).as("evaluated against the six labels").isNotNull();
    assertThat(s.evaluation().examples()).isEqualTo(6);
    List<Row> rows = rows(dir.resolve("first-unlabelled-out"), OutputFormat.PARQUET);
    assertThat(rows.get(0).<Object>getAs("trueLabel")).isNull();
    assertThat(rows.subList(1, 7))
        .allSatisfy(r -> assertThat(r.<Object>getAs("trueLabel")).isNotNull());
  }

  @Test
  void quarantineOfALabelledCsvWhoseFirstRowIsRejectedKeepsTheLabels() throws Exception {
    List<String> lines = new ArrayList<>(TestDigits.csvLines(digits.subList(0, 20), true));
    lines.set(1, lines.get(1).replaceFirst(",0,", ",x,")); // row 1: a pixel that is not a number
    Path csv = TestDigits.writeLines(dir.resolve("first-bad.csv"), lines);

    ScoringSummary s =
        ScoringJob.run(
            config(
                csv.toString(),
                "first-bad-out",
                OutputFormat.CSV,
                null,
                BadRecordPolicy.QUARANTINE),
            spark);

    assertThat(s.rejected()).isEqualTo(1);
    assertThat(s.scored()).isEqualTo(19);
    assertThat(s.evaluation()).as("evaluated against the 19 labels").isNotNull();
    assertThat(s.evaluation().examples()).isEqualTo(19);
    assertThat(rows(dir.resolve("first-bad-out"), OutputFormat.CSV))
        .allSatisfy(r -> assertThat(r.<Object>getAs("trueLabel")).isNotNull());
  }

  @Test
  void undecodableImagesAreQuarantinedWithTheirReason() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("mixed"));
    for (DigitRecord d : digits.subList(0, 6)) {
      TestDigits.write(
          folder.resolve(d.getId() + ".png"),
          TestDigits.encode(TestDigits.digitImage(d.getPixels(), 56, true), "png"));
    }
    Files.write(folder.resolve("zero.png"), new byte[0]);
    Files.writeString(folder.resolve("text.png"), "this is not an image");
    byte[] png =
        TestDigits.encode(TestDigits.digitImage(digits.get(0).getPixels(), 56, true), "png");
    Files.write(folder.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
    ScoringSummary s =
        ScoringJob.run(
            config(
                folder.toString(), "mixed-out", OutputFormat.CSV, null, BadRecordPolicy.QUARANTINE),
            spark);
    assertThat(s.read()).as(s.toString()).isEqualTo(9);
    assertThat(s.scored()).isEqualTo(6);
    assertThat(s.rejected()).isEqualTo(3);
    List<Row> rejected = rows(dir.resolve("mixed-out/_rejected"), OutputFormat.CSV);
    assertThat(rejected)
        .extracting(r -> Path.of(r.<String>getAs("file")).getFileName().toString())
        .containsExactlyInAnyOrder("zero.png", "text.png", "truncated.png");
    assertThat(rejected)
        .allSatisfy(
            r ->
                assertThat(r.<String>getAs("reason"))
                    .contains("expected a PNG, JPEG, BMP, GIF, TIFF or WebP image"));
  }

  /**
   * A folder of 6 good digits and the hostile files issue 25 names, plus files of kinds the reader
   * does not read.
   */
  private static Path hostileFolder() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("hostile"));
    if (Files.exists(folder.resolve("bomb-2g.bmp"))) return folder;
    for (DigitRecord d : digits.subList(0, 6)) {
      TestDigits.write(
          folder.resolve(d.getId() + ".png"),
          TestDigits.encode(TestDigits.digitImage(d.getPixels(), 56, true), "png"));
    }
    Files.write(
        folder.resolve("bomb-2g.bmp"), io.digitclassifier.image.HostileImages.bmp(5, 2L << 30));
    Files.write(
        folder.resolve("bomb-768m.bmp"), io.digitclassifier.image.HostileImages.bmp(5, 768L << 20));
    Files.write(
        folder.resolve("scans.jpg"),
        io.digitclassifier.image.HostileImages.progressiveJpegWithScans(4096, 3000));
    Files.write(
        folder.resolve("deep.png"), io.digitclassifier.image.HostileImages.png16BitRgba(4096));
    Files.writeString(folder.resolve("notes.txt"), "not an image");
    Files.write(
        folder.resolve("photo.heic"),
        new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'});
    return folder;
  }

  @Test
  void hostileImagesAmongGoodOnesAreQuarantinedWithTheirReasonAndTheRestScored() throws Exception {
    Path folder = hostileFolder();
    ScoringSummary s =
        ScoringJob.run(
            config(
                folder.toString(),
                "hostile-out",
                OutputFormat.PARQUET,
                null,
                BadRecordPolicy.QUARANTINE),
            spark);
    assertThat(s.read()).isEqualTo(10);
    assertThat(s.scored()).isEqualTo(6);
    assertThat(s.rejected()).isEqualTo(4);
    List<Row> rejected = rows(dir.resolve("hostile-out/_rejected"), OutputFormat.PARQUET);
    java.util.Map<String, String> reasons = new java.util.TreeMap<>();
    for (Row r : rejected)
      reasons.put(Path.of(r.<String>getAs("file")).getFileName().toString(), r.getAs("reason"));
    assertThat(reasons.keySet())
        .containsExactly("bomb-2g.bmp", "bomb-768m.bmp", "deep.png", "scans.jpg");
    assertThat(reasons.get("bomb-2g.bmp"))
        .contains("BMP refused: compression 5 embeds a PNG image");
    assertThat(reasons.get("deep.png"))
        .contains("PNG refused: 4096x4096 pixels at 64 bits each decode to 128 MiB");
    assertThat(reasons.get("scans.jpg")).contains("JPEG refused: more than 64 progressive scans");
    // the two files of other kinds are counted and named, neither scored nor rejected
    assertThat(s.skippedFiles().count()).isEqualTo(2);
    assertThat(s.skippedFiles().examples())
        .extracting(p -> Path.of(java.net.URI.create(p)).getFileName().toString())
        .containsExactlyInAnyOrder("notes.txt", "photo.heic");
    assertThat(
            Json.read(dir.resolve("hostile-out/_summary.json"), ScoringSummary.class)
                .skippedFiles()
                .count())
        .isEqualTo(2);
    assertThat(Files.readString(dir.resolve("hostile-out/_report.html")))
        .contains("files not read", "photo.heic");
  }

  @Test
  void aHostileImageStopsAFailFastRunNamingTheFileAndWritesNothing() throws Exception {
    Path folder = hostileFolder();
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit =
          ScoringJob.execute(
              new String[] {
                "--input",
                folder.toString(),
                "--model",
                model.toString(),
                "--output",
                dir.resolve("hostile-fail").toString()
              });
    } finally {
      System.setErr(err);
    }
    assertThat(exit).isEqualTo(1);
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .containsPattern(
            "Scoring failed: Cannot read \\S+/hostile/(bomb-2g\\.bmp|bomb-768m\\.bmp|deep\\.png|scans\\.jpg): ");
    assertThat(dir.resolve("hostile-fail")).doesNotExist();
  }

  /**
   * A run that worked says so and nothing else: no WARN line from Spark, Hadoop or the job, in
   * Parquet and CSV, with a Kaggle file, and with quarantine on (Spark used to warn "All paths were
   * ignored" when the job read back its own hidden work directory and {@code _rejected/}).
   */
  @Test
  void aHealthyRunLogsNoWarning() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("healthy.csv"), digits.subList(0, 60), true);
    List<String> warnings;
    try (LogCapture log = LogCapture.warnings()) {
      ScoringJob.run(
          config(
              csv.toString(),
              "healthy-parquet",
              OutputFormat.PARQUET,
              dir.resolve("healthy.kaggle.csv"),
              BadRecordPolicy.FAIL),
          spark);
      ScoringJob.run(
          config(csv.toString(), "healthy-csv", OutputFormat.CSV, null, BadRecordPolicy.QUARANTINE),
          spark);
      warnings = log.lines();
    }
    assertThat(warnings).isEmpty();
    assertThat(rows(dir.resolve("healthy-parquet"), OutputFormat.PARQUET)).hasSize(60);
    assertThat(rows(dir.resolve("healthy-csv"), OutputFormat.CSV)).hasSize(60);
  }

  @Test
  void twoRunsIntoOneOutputEndWithOneCompleteOutputAndOneClearError() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("both.csv"), digits, true);
    Path out = dir.resolve("both-out");
    java.util.concurrent.CompletableFuture<ScoringSummary> first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                ScoringJob.run(
                    config(
                        csv.toString(),
                        "both-out",
                        OutputFormat.PARQUET,
                        null,
                        BadRecordPolicy.FAIL),
                    spark));
    Path lock = dir.resolve(".both-out.lock");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!Files.exists(lock) && !first.isDone() && System.nanoTime() < deadline) Thread.sleep(20);
    assertThat(lock).as("the first run's lease").exists();
    assertThatThrownBy(
            () ->
                ScoringJob.run(
                    config(
                        csv.toString(),
                        "both-out",
                        OutputFormat.PARQUET,
                        null,
                        BadRecordPolicy.FAIL),
                    spark))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot write to "
                + out
                + ": another run is writing it: scoring "
                + spark.sparkContext().applicationId()
                + " on ");
    ScoringSummary s = first.get(120, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(s.scored()).isEqualTo(300);
    assertThat(rows(out, OutputFormat.PARQUET)).hasSize(300);
    assertThat(out.resolve("_SUCCESS")).exists();
    assertThat(lock).doesNotExist();
  }

  @Test
  void commandLineExitCodesAndMessages() throws Exception {
    Path csv = TestDigits.writeCsv(dir.resolve("cli.csv"), digits.subList(0, 5), true);
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertThat(
              ScoringJob.execute(
                  new String[] {
                    "--input",
                    csv.toString(),
                    "--model",
                    dir.resolve("none").toString(),
                    "--output",
                    dir.resolve("cli-out").toString()
                  }))
          .isEqualTo(1);
      assertThat(
              ScoringJob.execute(
                  new String[] {"--input", csv.toString(), "--on-bad-record", "skip"}))
          .isEqualTo(2);
      assertThat(ScoringJob.execute(new String[] {"--model", model.toString()})).isEqualTo(2);
      assertThat(ScoringJob.execute(new String[] {"--help"})).isZero();
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("Scoring failed: Cannot load model " + dir.resolve("none") + ": no such file")
        .contains(
            "Invalid value for option '--on-bad-record': expected one of [FAIL, QUARANTINE] (case-insensitive) but was 'skip'")
        .contains("Missing required option: '--input=<input>'");
    assertThat(dir.resolve("cli-out")).doesNotExist();
  }
}
