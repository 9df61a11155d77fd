package io.digitclassifier.ml;

import io.digitclassifier.data.DigitRecord;
import io.digitclassifier.ml.fit.DigitFit;
import io.digitclassifier.ml.fit.FitSettings;
import io.digitclassifier.ml.fit.LabelCounts;
import io.digitclassifier.ml.fit.LearningRateSchedule;
import io.digitclassifier.ml.fit.StratifiedSample;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.net.Networks;
import io.digitclassifier.storage.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import scala.Tuple2;

/**
 * The training job as a Spark ML {@link Estimator}: {@link #fit} normalises, augments inside
 * partitions and trains the chosen network with dl4j-spark's parameter averaging ({@code DigitFit},
 * the same loop {@code bin/train} runs), and returns a {@link DigitClassifierModel} with a {@link
 * DigitClassifierTrainingSummary}. One param per training option, with the job's defaults ({@link
 * FitSettings#DEFAULTS}). Rows whose {@code validationIndicatorCol} is true are held out and
 * evaluated after every epoch, as MLlib's GBT does; without it the whole input trains.
 *
 * <p>{@code featuresCol} takes what {@link DigitClassifierModel} takes ({@code array<int>}, {@code
 * binary}, a {@code Vector}, image files or the image data source's struct); {@code labelCol}
 * digits 0-9 (int or double). A bad row fails the fit with one line naming it. Fitting reads the
 * input more than once: cache it if it is expensive.
 */
public final class DigitClassifier extends Estimator<DigitClassifierModel> implements MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> featuresCol;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> rawPredictionCol;
  private final Param<String> validationIndicatorCol;
  private final Param<String> network;
  private final IntParam epochs;
  private final IntParam batchSize;
  private final IntParam averagingFrequency;
  private final IntParam augmentCopies;
  private final BooleanParam freshAugmentation;
  private final DoubleParam rotation;
  private final DoubleParam zoom;
  private final DoubleParam shift;
  private final DoubleParam learningRate;
  private final Param<String> lrSchedule;
  private final DoubleParam lrDecay;
  private final LongParam seed;
  private final IntParam workers;

  public DigitClassifier() {
    this(Identifiable$.MODULE$.randomUID("digitClassifier"));
  }

  /** For Spark ML's reflection ({@code Pipeline.load}, {@code copy}). */
  public DigitClassifier(String uid) {
    this.uid = uid; // before any Param: a Param asks its parent's uid when it is built
    FitSettings d = FitSettings.DEFAULTS;
    featuresCol = new Param<>(this, "featuresCol", "features column name: " + Features.ACCEPTED);
    labelCol = new Param<>(this, "labelCol", "label column name: digits 0-9, int or double");
    predictionCol =
        new Param<>(this, "predictionCol", "the model's prediction column name (double)");
    probabilityCol =
        new Param<>(
            this, "probabilityCol", "the model's probability column name (an ML Vector of ten)");
    rawPredictionCol =
        new Param<>(this, "rawPredictionCol", "the model's raw prediction column name");
    validationIndicatorCol =
        new Param<>(
            this,
            "validationIndicatorCol",
            "boolean column: true for rows held out and "
                + "evaluated after every epoch, false for training rows; unset: every row trains");
    network =
        new Param<>(
            this,
            "network",
            "network: vgg (VGG-style with batch normalisation), seed (the original's "
                + "3-branch CNN) or lenet",
            ParamValidators.inArray(new String[] {"vgg", "seed", "lenet"}));
    epochs =
        new IntParam(
            this, "epochs", "passes over the (augmented) training rows", ParamValidators.gtEq(1));
    batchSize =
        new IntParam(this, "batchSize", "minibatch size per worker", ParamValidators.gtEq(1));
    averagingFrequency =
        new IntParam(
            this,
            "averagingFrequency",
            "minibatches each worker fits between parameter averagings",
            ParamValidators.gtEq(1));
    augmentCopies =
        new IntParam(
            this,
            "augmentCopies",
            "augmented copies of each training image per epoch, beside "
                + "the original (0: none; the original Keras app trained on 8)",
            ParamValidators.gtEq(0));
    freshAugmentation =
        new BooleanParam(
            this,
            "freshAugmentation",
            "new augmented copies every epoch (true) or the same ones (false)");
    rotation =
        new DoubleParam(
            this,
            "rotation",
            "augmentation: maximum rotation in degrees, either way",
            ParamValidators.inRange(0, 180));
    zoom =
        new DoubleParam(
            this,
            "zoom",
            "augmentation: zoom range per axis (0.1 = 90%..110%)",
            ParamValidators.inRange(0, 0.9));
    shift =
        new DoubleParam(
            this,
            "shift",
            "augmentation: maximum shift as a fraction of width/height",
            ParamValidators.inRange(0, 0.5));
    learningRate =
        new DoubleParam(this, "learningRate", "Adam's learning rate", ParamValidators.gt(0));
    lrSchedule =
        new Param<>(
            this,
            "lrSchedule",
            "learning rate per epoch: constant, cosine or exponential",
            ParamValidators.inArray(new String[] {"constant", "cosine", "exponential"}));
    lrDecay =
        new DoubleParam(
            this,
            "lrDecay",
            "factor per epoch of lrSchedule exponential",
            ParamValidators.inRange(0, 1, false, true));
    seed = new LongParam(this, "seed", "seed of every random number: augmentation, weights, order");
    workers =
        new IntParam(
            this,
            "workers",
            "parameter-averaging workers (0: Spark's default parallelism)",
            ParamValidators.gtEq(0));
    setDefault(featuresCol, "features");
    setDefault(labelCol, "label");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(network, d.network().cliName());
    setDefault(epochs, d.epochs());
    setDefault(batchSize, d.batchSize());
    setDefault(averagingFrequency, d.averagingFrequency());
    setDefault(augmentCopies, d.augmentCopies());
    setDefault(freshAugmentation, d.freshAugmentation());
    setDefault(rotation, d.rotation());
    setDefault(zoom, d.zoom());
    setDefault(shift, d.shift());
    setDefault(learningRate, d.learningRate());
    setDefault(lrSchedule, d.lrSchedule().cliName());
    setDefault(lrDecay, d.lrDecay());
    setDefault(seed, d.seed());
    setDefault(workers, d.workers());
  }

  @Override
  public String uid() {
    return uid;
  }

  // ---- params: Spark finds them by their public no-argument accessors

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  public Param<String> validationIndicatorCol() {
    return validationIndicatorCol;
  }

  public Param<String> network() {
    return network;
  }

  public IntParam epochs() {
    return epochs;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public IntParam averagingFrequency() {
    return averagingFrequency;
  }

  public IntParam augmentCopies() {
    return augmentCopies;
  }

  public BooleanParam freshAugmentation() {
    return freshAugmentation;
  }

  public DoubleParam rotation() {
    return rotation;
  }

  public DoubleParam zoom() {
    return zoom;
  }

  public DoubleParam shift() {
    return shift;
  }

  public DoubleParam learningRate() {
    return learningRate;
  }

  public Param<String> lrSchedule() {
    return lrSchedule;
  }

  public DoubleParam lrDecay() {
    return lrDecay;
  }

  public LongParam seed() {
    return seed;
  }

  public IntParam workers() {
    return workers;
  }

  public String getFeaturesCol() {
    return getOrDefault(featuresCol);
  }

  public String getLabelCol() {
    return getOrDefault(labelCol);
  }

  public String getPredictionCol() {
    return getOrDefault(predictionCol);
  }

  public String getProbabilityCol() {
    return getOrDefault(probabilityCol);
  }

  public String getRawPredictionCol() {
    return getOrDefault(rawPredictionCol);
  }

  public String getValidationIndicatorCol() {
    return isDefined(validationIndicatorCol) ? getOrDefault(validationIndicatorCol) : null;
  }

  public String getNetwork() {
    return getOrDefault(network);
  }

  public int getEpochs() {
    return (Integer) getOrDefault(epochs);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public int getAveragingFrequency() {
    return (Integer) getOrDefault(averagingFrequency);
  }

  public int getAugmentCopies() {
    return (Integer) getOrDefault(augmentCopies);
  }

  public boolean getFreshAugmentation() {
    return (Boolean) getOrDefault(freshAugmentation);
  }

  public double getRotation() {
    return (Double) getOrDefault(rotation);
  }

  public double getZoom() {
    return (Double) getOrDefault(zoom);
  }

  public double getShift() {
    return (Double) getOrDefault(shift);
  }

  public double getLearningRate() {
    return (Double) getOrDefault(learningRate);
  }

  public String getLrSchedule() {
    return getOrDefault(lrSchedule);
  }

  public double getLrDecay() {
    return (Double) getOrDefault(lrDecay);
  }

  public long getSeed() {
    return (Long) getOrDefault(seed);
  }

  public int getWorkers() {
    return (Integer) getOrDefault(workers);
  }

  public DigitClassifier setFeaturesCol(String v) {
    set(featuresCol, v);
    return this;
  }

  public DigitClassifier setLabelCol(String v) {
    set(labelCol, v);
    return this;
  }

  public DigitClassifier setPredictionCol(String v) {
    set(predictionCol, v);
    return this;
  }

  public DigitClassifier setProbabilityCol(String v) {
    set(probabilityCol, v);
    return this;
  }

  public DigitClassifier setRawPredictionCol(String v) {
    set(rawPredictionCol, v);
    return this;
  }

  public DigitClassifier setValidationIndicatorCol(String v) {
    set(validationIndicatorCol, v);
    return this;
  }

  public DigitClassifier setNetwork(String v) {
    set(network, v.toLowerCase(Locale.ROOT));
    return this;
  }

  public DigitClassifier setEpochs(int v) {
    set(epochs, v);
    return this;
  }

  public DigitClassifier setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  public DigitClassifier setAveragingFrequency(int v) {
    set(averagingFrequency, v);
    return this;
  }

  public DigitClassifier setAugmentCopies(int v) {
    set(augmentCopies, v);
    return this;
  }

  public DigitClassifier setFreshAugmentation(boolean v) {
    set(freshAugmentation, v);
    return this;
  }

  public DigitClassifier setRotation(double v) {
    set(rotation, v);
    return this;
  }

  public DigitClassifier setZoom(double v) {
    set(zoom, v);
    return this;
  }

  public DigitClassifier setShift(double v) {
    set(shift, v);
    return this;
  }

  public DigitClassifier setLearningRate(double v) {
    set(learningRate, v);
    return this;
  }

  public DigitClassifier setLrSchedule(String v) {
    set(lrSchedule, v.toLowerCase(Locale.ROOT));
    return this;
  }

  public DigitClassifier setLrDecay(double v) {
    set(lrDecay, v);
    return this;
  }

  public DigitClassifier setSeed(long v) {
    set(seed, v);
    return this;
  }

  public DigitClassifier setWorkers(int v) {
    set(workers, v);
    return this;
  }

  /**
   * The fit's settings from these params (evaluation batches and progress lines as the job's
   * defaults).
   */
  public FitSettings fitSettings() {
    FitSettings d = FitSettings.DEFAULTS;
    return new FitSettings(
        NetworkKind.fromCliName(getNetwork()),
        getEpochs(),
        getBatchSize(),
        getAveragingFrequency(),
        getWorkers(),
        d.prefetch(),
        getAugmentCopies(),
        getFreshAugmentation(),
        getRotation(),
        getZoom(),
        getShift(),
        getLearningRate(),
        LearningRateSchedule.valueOf(getLrSchedule().toUpperCase(Locale.ROOT)),
        getLrDecay(),
        getSeed(),
        d.evalBatchSize(),
        d.progressSeconds());
  }

  /** Checks the input columns' types and adds the model's output columns, touching no data. */
  @Override
  public StructType transformSchema(StructType schema) {
    check(
        schema, getFeaturesCol(), "features", t -> Features.refusal(t) == null, Features.ACCEPTED);
    check(schema, getLabelCol(), "label", t -> t instanceof NumericType, "numeric (digits 0-9)");
    String validation = getValidationIndicatorCol();
    if (validation != null)
      check(schema, validation, "validationIndicatorCol", t -> t instanceof BooleanType, "boolean");
    return modelParams(new DigitClassifierModel(uid)).transformSchema(schema);
  }

  private static void check(
      StructType schema,
      String column,
      String role,
      java.util.function.Predicate<DataType> ok,
      String expected) {
    if (schema.getFieldIndex(column).isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot fit: the "
              + role
              + " column "
              + column
              + " is not in the input "
              + "(columns: "
              + String.join(", ", schema.fieldNames())
              + ")");
    }
    DataType t = schema.apply(column).dataType();
    if (!ok.test(t)) {
      throw new IllegalArgumentException(
          "Cannot fit: column " + column + " is " + t.simpleString() + ", expected " + expected);
    }
  }

  private DigitClassifierModel modelParams(DigitClassifierModel model) {
    return model
        .setFeaturesCol(getFeaturesCol())
        .setLabelCol(getLabelCol())
        .setPredictionCol(getPredictionCol())
        .setProbabilityCol(getProbabilityCol())
        .setRawPredictionCol(getRawPredictionCol());
  }

  @Override
  public DigitClassifierModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    long wallStart = System.nanoTime();
    SparkSession spark = dataset.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    FitSettings settings = fitSettings();
    int workerCount = settings.workers() > 0 ? settings.workers() : jsc.defaultParallelism();
    String validation = getValidationIndicatorCol();
    Dataset<Row> columns =
        validation == null
            ? dataset.toDF().select(getFeaturesCol(), getLabelCol())
            : dataset.toDF().select(getFeaturesCol(), getLabelCol(), validation);
    String features = getFeaturesCol();
    String label = getLabelCol();
    // ids from 1 in input order: the augmentation's and the shuffle's seeds come from them
    // read and decoded once (both sets come from it, and a nondeterministic validation column is
    // evaluated once)
    JavaRDD<Tuple2<DigitRecord, Boolean>> rows =
        columns
            .toJavaRDD()
            .zipWithIndex()
            .map(t -> toRecord(t._1(), t._2() + 1, features, label))
            .persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<DataSet> heldOutBatches = null;
    JavaRDD<DataSet> trainSample = null;
    JavaRDD<DigitRecord> train =
        rows.filter(t -> !t._2()).map(Tuple2::_1).persist(StorageLevel.MEMORY_ONLY());
    JavaRDD<DigitRecord> heldOut =
        validation == null ? null : rows.filter(Tuple2::_2).map(Tuple2::_1);
    try {
      LabelCounts counts = LabelCounts.of(train);
      if (counts.total() == 0) throw new IllegalArgumentException("Cannot fit: no training rows");
      if (!counts.missing().isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot fit: the training rows have no digit "
                + counts.missing().stream().map(String::valueOf).collect(Collectors.joining(", "))
                + " (rows per digit: "
                + counts.describe()
                + ")");
      }
      heldOutBatches =
          heldOut == null
              ? null
              : DigitFit.toBatches(heldOut, settings.evalBatchSize())
                  .persist(StorageLevel.MEMORY_ONLY());
      long heldOutCount =
          heldOutBatches == null
              ? 0
              : heldOutBatches.map(DataSet::numExamples).fold(0, Integer::sum).longValue();
      trainSample =
          DigitFit.toBatches(
                  StratifiedSample.sample(
                      spark, train, counts, DigitFit.TRAIN_EVAL_SAMPLE, settings.seed() + 1),
                  settings.evalBatchSize())
              .persist(StorageLevel.MEMORY_ONLY());
      ComputationGraph start =
          Networks.build(settings.network(), new Adam(settings.learningRate()), settings.seed());
      DigitFit.Result result =
          DigitFit.fit(
              spark,
              settings,
              workerCount,
              start,
              train,
              counts.total(),
              heldOutBatches == null || heldOutCount == 0 ? null : heldOutBatches,
              trainSample,
              List.of(),
              (m, net) -> {});
      DigitClassifierTrainingSummary summary =
          new DigitClassifierTrainingSummary(
              settings,
              workerCount,
              counts.total(),
              heldOutCount,
              counts.perLabel(),
              result.epochs(),
              result.heldOut(),
              (System.nanoTime() - wallStart) / 1e9,
              io.digitclassifier.spark.Versions.all(),
              io.digitclassifier.spark.SparkSessions.whereItRuns(spark),
              io.digitclassifier.spark.NativesPlugin.describe());
      String source =
          "DigitClassifier " + uid + " fitted by " + spark.sparkContext().applicationId();
      DigitClassifierModel model =
          new DigitClassifierModel(
              Identifiable$.MODULE$.randomUID("digitClassifierModel"),
              ModelFilesInMemory.ofZip(zip(result.network()), source, json(summary)));
      model.setSummary(summary);
      return modelParams(model).setParent(this);
    } finally {
      train.unpersist(false);
      rows.unpersist(false);
      if (heldOutBatches != null) heldOutBatches.unpersist(false);
      if (trainSample != null) trainSample.unpersist(false);
    }
  }

  private static Tuple2<DigitRecord, Boolean> toRecord(
      Row row, long id, String features, String label) {
    byte[] pixels;
    try {
      pixels = Features.pixels(row.get(0));
    } catch (Features.BadFeatureException e) {
      throw new IllegalArgumentException(
          "Cannot fit: row " + id + ", column " + features + ": " + e.getMessage());
    }
    Object l = row.get(1);
    double v = l instanceof Number n ? n.doubleValue() : Double.NaN;
    if (!(v >= 0 && v <= 9 && v == Math.rint(v))) {
      throw new IllegalArgumentException(
          "Cannot fit: row " + id + ", column " + label + ": " + l + ", expected a digit 0-9");
    }
    boolean held = row.length() > 2 && !row.isNullAt(2) && row.getBoolean(2);
    return new Tuple2<>(new DigitRecord(id, (int) v, pixels, "row " + id, "row " + id), held);
  }

  private static byte[] zip(ComputationGraph net) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ModelSerializer.writeModel(net, out, true);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialise the fitted network: " + e.getMessage(), e);
    }
  }

  private static String json(DigitClassifierTrainingSummary summary) {
    try {
      return Json.MAPPER.writeValueAsString(summary);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(
          "Cannot write the training summary as JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public DigitClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  /** Spark ML's reader, found by {@code Pipeline.load} through reflection. */
  public static MLReader<DigitClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static DigitClassifier load(String path) {
    return read().load(path);
  }
}
