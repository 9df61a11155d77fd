package io.digitclassifier.scoring;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.type.TypeReference;
import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.io.BadRecordPolicy;
import io.digitclassifier.io.DataFormat;
import io.digitclassifier.io.DigitInputs;
import io.digitclassifier.io.ImageFolderDigitReader;
import io.digitclassifier.ml.DigitClassifierModel;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.spark.JobMain;
import io.digitclassifier.spark.NativesPlugin;
import io.digitclassifier.spark.Stages;
import io.digitclassifier.spark.Versions;
import io.digitclassifier.storage.AtomicOutput;
import io.digitclassifier.storage.Json;
import io.digitclassifier.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring job: read -> preprocess (images) -> score in partitions (the model loaded once per
 * executor, batches through the network) -> write Parquet/CSV, {@code _rejected/}, {@code
 * _summary.json} and, on request, a Kaggle submission. Output appears whole or not at all.
 */
public final class ScoringJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoringJob.class);
  static final String GROUP = "scoring";
  static final String REJECTED_DIR = "_rejected";
  static final String SUMMARY = "_summary.json";

  /** Where Spark writes the scored part files before they move up into the output directory. */
  static final String SCORED_DIR = "scored";

  private final ScoringConfig config;
  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final ModelArtifacts modelFiles;

  /** A run on the model files the check read ({@link CheckedModel}), which it scores with. */
  private ScoringJob(ScoringConfig config, SparkSession spark, ModelArtifacts modelFiles) {
    this.config = config;
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.modelFiles = modelFiles;
  }

  public static void main(String[] args) {
    JobMain.exit(execute(args));
  }

  /**
   * 0 done, 1 bad input, bad model or failure, 2 bad usage; the model is checked before Spark
   * starts.
   */
  static int execute(String[] args) {
    AtomicReference<CheckedModel> checked = new AtomicReference<>();
    try {
      return JobMain.execute(
          args,
          new ScoringConfig(),
          "scoring",
          "digitclassifier-score",
          config -> {
            // spark-submit hands the job its Spark settings as system properties
            String master = System.getProperty("spark.master", "local");
            checked.set(
                checkModel(
                    config,
                    Storage.conf(),
                    master.equals("local") || master.startsWith("local["),
                    Integer.parseInt(System.getProperty("spark.task.cpus", "1"))));
          },
          (config, spark) ->
              describe(new ScoringJob(config, spark, checked.get().artifacts()).run()));
    } finally {
      if (checked.get() != null) checked.get().close();
    }
  }

  /**
   * Runs with a typed configuration; the model is loaded and checked first. The check's hold on the
   * model ends with the run: from then on the executors' pools decide how long it stays loaded.
   */
  public static ScoringSummary run(ScoringConfig config, SparkSession spark) {
    try (CheckedModel checked =
        checkModel(
            config,
            spark.sparkContext().hadoopConfiguration(),
            spark.sparkContext().isLocal(),
            spark.sparkContext().conf().getInt("spark.task.cpus", 1))) {
      return new ScoringJob(config, spark, checked.artifacts()).run();
    }
  }

  /**
   * Reads and checks the model before any data is read; the run then scores with the bytes read
   * here (one read and one hash of the model per run). With a local master the driver JVM is the
   * executor too, so the check loads the JVM-wide session the tasks then score with (one intra-op
   * thread per task core, as theirs) and holds it open until the result is closed; on a cluster the
   * driver never scores, so the check uses a session of its own and closes it at once, rather than
   * keeping one (and timing its two optimisation levels) for the driver's life.
   */
  static CheckedModel checkModel(
      ScoringConfig config,
      org.apache.hadoop.conf.Configuration conf,
      boolean localMaster,
      int taskCpus) {
    int threads = Math.max(1, taskCpus);
    ModelArtifacts artifacts = ModelArtifacts.read(config.model(), conf, config.engine());
    if (localMaster) return new CheckedModel(artifacts, Predictor.of(artifacts, threads));
    Predictor.ownSession(artifacts, threads).close();
    return new CheckedModel(artifacts, null);
  }

  /** The model files a check read, and the predictor holding its session (local masters only). */
  record CheckedModel(ModelArtifacts artifacts, Predictor held) implements AutoCloseable {
    @Override
    public void close() {
      if (held != null) held.close();
    }
  }

  static String describe(ScoringSummary s) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "Scored %d of %d images (%d rejected) in %.1f s, %.1f images/s",
                s.scored(), s.read(), s.rejected(), s.seconds(), s.imagesPerSecond()));
    if (s.evaluation() != null)
      sb.append(String.format("; accuracy %.4f", s.evaluation().accuracy()));
    sb.append("; output in ").append(s.output());
    if (s.kaggleSubmission() != null)
      sb.append("; Kaggle submission in ").append(s.kaggleSubmission());
    return sb.toString();
  }

  /** Runs the pipeline; the caller has checked the model ({@link Predictor#load}). */
  private ScoringSummary run() {
    LOG.info("Scoring configuration: {}", config);
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (config.kaggleSubmission() != null
        && Storage.exists(config.kaggleSubmission(), conf)
        && !config.overwrite()) {
      throw new IllegalArgumentException(
          "Cannot write Kaggle submission "
              + config.kaggleSubmission()
              + ": it already exists; pass --overwrite to replace it");
    }
    AtomicOutput output =
        AtomicOutput.begin(
            config.output(),
            conf,
            config.overwrite(),
            false,
            io.digitclassifier.storage.OutputLock.describe(
                "scoring " + spark.sparkContext().applicationId()));
    try {
      ScoringSummary summary = run(output);
      if (config.kaggleSubmission() != null) writeKaggle(output.work().toString(), summary);
      output.commit();
      return summary;
    } catch (
        Exception e) { // Spark's SparkException is checked, thrown from Scala without a declaration
      Stages.awaitTasksEnded(spark.sparkContext(), GROUP, 60_000);
      output.abort();
      throw e;
    }
  }

  private ScoringSummary run(AtomicOutput output) {
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path work = output.local();
    String modelFile = ModelFiles.modelFile(config.model(), conf);
    String sha = modelFiles.zipSha256(); // the bytes checked and scored, not another read
    DataFormat format =
        config.inputFormat() != null
            ? config.inputFormat()
            : DataFormat.detect(config.input(), conf);
    boolean images = format == DataFormat.IMAGES;
    JavaRDD<DigitRecord> read =
        DigitInputs.read(spark, config.input(), format, config.onBadRecord(), config.partitions());
    // From the input's header, schema or folders: a first record that was rejected, or an image
    // outside the
    // digit folders, says nothing about the rest.
    boolean labelled = DigitInputs.hasLabels(spark, config.input(), format);
    ImageFolderDigitReader.SkippedFiles skipped =
        images ? ImageFolderDigitReader.skippedFiles(spark, config.input()) : null;
    if (skipped != null && skipped.count() > 0) {
      LOG.warn("In {}: {}", config.input(), skipped.describe());
    }
    boolean quarantine = config.onBadRecord() == BadRecordPolicy.QUARANTINE;
    // Quarantine writes two outputs from the records: they are read and decoded once, kept for the
    // second.
    JavaRDD<DigitRecord> records =
        quarantine ? read.persist(StorageLevel.MEMORY_AND_DISK_SER()) : read;

    // the Spark ML stage's own transform: the same batches, engine and once-per-executor model as
    // from Spark code
    DigitClassifierModel model =
        ScoringSchema.stageColumns(
            DigitClassifierModel.of(modelFiles)
                .setFeaturesCol("pixels")
                .setBatchSize(config.batchSize()),
            config.probabilities());
    long start = System.nanoTime();
    Stages.run(
        spark.sparkContext(),
        GROUP,
        "2 score: " + config.input() + " -> " + config.outputFormat().sparkName(),
        () -> {
          Dataset<Row> digits =
              spark.createDataFrame(
                  records.filter(r -> !r.isRejected()).map(ScoringSchema::digit),
                  ScoringSchema.DIGITS);
          Dataset<Row> scored =
              ScoringSchema.scored(model.transform(digits), config.probabilities())
                  .select(
                      ScoringSchema.scoredColumns(
                              images, config.probabilities(), labelled, config.outputFormat())
                          .toArray(new Column[0]));
          write(scored, output.work(SCORED_DIR));
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    String rejectedDir = output.work(REJECTED_DIR);
    if (quarantine) {
      Stages.run(
          spark.sparkContext(),
          GROUP,
          "3 quarantine: rejected records -> " + REJECTED_DIR,
          () -> {
            JavaRDD<Row> rejected =
                records.filter(DigitRecord::isRejected).map(ScoringSchema::rejected);
            write(spark.createDataFrame(rejected, ScoringSchema.REJECTED), rejectedDir);
          });
      records.unpersist(false);
    }
    flatten(output, SCORED_DIR);

    // the output directory's own files start with _ or ., so Spark's reader of the directory skips
    // them
    Dataset<Row> written = readBack(output.work().toString());
    ScoredCounts counts = ScoredCounts.of(written);
    long scoredCount = counts.total();
    long rejectedCount = Storage.isDirectory(rejectedDir, conf) ? readBack(rejectedDir).count() : 0;
    EvaluationSummary evaluation =
        labelled ? EvaluationSummary.ofConfusion(counts.confusion()) : null;
    Map<String, Object> modelMetrics = null;
    String metricsFile = ModelFiles.metricsFile(config.model(), conf);
    if (Storage.isFile(metricsFile, conf)) {
      try {
        modelMetrics =
            Json.MAPPER.readValue(
                Storage.readAllBytes(metricsFile, conf),
                new TypeReference<LinkedHashMap<String, Object>>() {});
      } catch (IOException e) {
        LOG.warn(
            "Cannot read the model's {}: {}; the summary goes without it",
            metricsFile,
            e.getMessage());
      }
    }
    ScoringSummary summary =
        new ScoringSummary(
            config.input(),
            format.name().toLowerCase(java.util.Locale.ROOT),
            Storage.display(output.target()),
            config.outputFormat().sparkName(),
            scoredCount + rejectedCount,
            scoredCount,
            rejectedCount,
            seconds,
            scoredCount / seconds,
            model.modelLoads(),
            Storage.display(new org.apache.hadoop.fs.Path(modelFile)),
            sha,
            config.engine().label(),
            modelFiles.onnxSha256(),
            modelFiles.onnxOrigin(),
            modelMetrics,
            Versions.all(),
            NativesPlugin.describe(),
            evaluation,
            config.kaggleSubmission() == null
                ? null
                : Storage.display(Storage.qualify(config.kaggleSubmission(), conf)),
            skipped);
    Json.write(summary, work.resolve(SUMMARY));
    ScoringReportWriter.write(
        spark, summary, counts, written, work, rejectedDir, config.reportSamples());
    return summary;
  }

  private void write(Dataset<Row> df, String dir) {
    var writer = df.write().mode(SaveMode.ErrorIfExists).format(config.outputFormat().sparkName());
    if (config.outputFormat() == OutputFormat.CSV) writer = writer.option("header", "true");
    writer.save(dir);
  }

  private Dataset<Row> readBack(String dir) {
    return readBack(spark, config.outputFormat().sparkName(), dir);
  }

  /**
   * The data files Spark wrote into {@code dir}, read back. They are listed here and handed to
   * Spark by name because {@code dir} is hidden (the work directory {@code .NAME.inprogress},
   * {@code _rejected/}): given such a directory, Spark reads it but warns "All paths were ignored"
   * on every run. Hidden files ({@code _SUCCESS}, {@code _summary.json}, checksums) are left out as
   * Spark's reader of a directory leaves them out; a directory without data files goes to Spark as
   * it is, so its own error or warning still says so.
   */
  static Dataset<Row> readBack(SparkSession spark, String format, String dir) {
    var reader = spark.read().format(format);
    if (OutputFormat.CSV.sparkName().equals(format)) {
      reader = reader.option("header", "true").option("inferSchema", "true");
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
    java.util.List<String> files = new java.util.ArrayList<>();
    try {
      for (org.apache.hadoop.fs.FileStatus f :
          Storage.fs(path, spark.sparkContext().hadoopConfiguration()).listStatus(path)) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith("_") && !name.startsWith("."))
          files.add(f.getPath().toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + Storage.oneLine(e), e);
    }
    if (files.isEmpty()) return reader.load(dir);
    java.util.Collections.sort(files);
    return reader.load(files.toArray(String[]::new));
  }

  /**
   * Moves Spark's part files from {@code work/sub} up into the work directory, so the output holds
   * them directly (a rename on HDFS and local disks, a copy on an object store); Spark's own marker
   * in {@code sub} is dropped.
   */
  private static void flatten(AtomicOutput output, String sub) {
    org.apache.hadoop.fs.FileSystem fs = output.fileSystem();
    org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(output.work(), sub);
    try {
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(from)) {
        String name = f.getPath().getName();
        if (name.equals(AtomicOutput.SUCCESS) || name.equals("." + AtomicOutput.SUCCESS + ".crc"))
          continue;
        if (!fs.rename(f.getPath(), new org.apache.hadoop.fs.Path(output.work(), name))) {
          throw new IOException("cannot move " + f.getPath());
        }
      }
      fs.delete(from, true);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot move scoring output into "
              + Storage.display(output.work())
              + ": "
              + Storage.oneLine(e),
          e);
    }
  }

  /**
   * One CSV file, exactly {@code ImageId,Label}, ImageId from 1 in input order, one row per input
   * image, "\n" line ends; written beside the target and renamed.
   */
  private void writeKaggle(String scoredDir, ScoringSummary summary) {
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    String file = Storage.display(Storage.qualify(config.kaggleSubmission(), conf));
    if (summary.rejected() > 0) {
      throw new IllegalArgumentException(
          "Cannot write Kaggle submission "
              + file
              + ": "
              + summary.rejected()
              + " records were rejected and Kaggle expects one row per image; nothing was written");
    }
    Dataset<Row> rows = readBack(scoredDir).select(col("id"), col("label")).orderBy(col("id"));
    long count = summary.scored();
    Storage.writeAtomically(
        config.kaggleSubmission(),
        conf,
        true,
        stream -> {
          var out =
              new java.io.BufferedWriter(
                  new java.io.OutputStreamWriter(stream, java.nio.charset.StandardCharsets.UTF_8));
          out.write("ImageId,Label\n");
          long expected = 1;
          for (java.util.Iterator<Row> it = rows.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            long id = ((Number) r.get(0)).longValue();
            if (id != expected) {
              throw new IllegalStateException(
                  "Cannot write Kaggle submission "
                      + file
                      + ": ImageId "
                      + expected
                      + " is missing (next id "
                      + id
                      + ")");
            }
            out.write(id + "," + ((Number) r.get(1)).intValue() + "\n");
            expected++;
          }
          if (expected - 1 != count)
            throw new IllegalStateException("Kaggle submission row count changed while writing");
          out.flush();
        });
    LOG.info("Wrote Kaggle submission {} ({} rows)", file, count);
  }
}
