package io.digitclassifier.ml;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.AtomicOutput;
import io.digitclassifier.storage.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import scala.Option;

/**
 * A trained digit classifier as a Spark ML {@link Model}: {@link #transform} appends MLlib's
 * columns ({@code prediction} double, {@code probability} and {@code rawPrediction} ML vectors of
 * ten) to any DataFrame holding digits, batch or streaming, through the project's one prediction
 * path ({@link Predictor}, on ONNX Runtime by default), the model loaded once per executor and
 * shared by its tasks, jobs and micro-batches.
 *
 * <p>{@code featuresCol} accepts {@code array<int>}/{@code array<double>} of 784 values 0-255,
 * {@code binary} of 784 pixel bytes or an image file's bytes (PNG, JPEG, ...: the MNIST recipe,
 * photos included), an ML {@code Vector} of 784, or the struct of Spark's {@code image} data
 * source. Every input column passes through. Bad rows follow Spark's {@code handleInvalid}: {@code
 * error} (the default: the query fails with one line naming the row), {@code skip} (dropped) or
 * {@code keep} (null prediction, the reason in {@code invalidReasonCol}).
 *
 * <p>Saved in Spark ML's layout ({@code metadata/} with the params) with the model directory's
 * files beside it ({@code model.zip}, {@code model.onnx}, {@code metrics.json} when known, {@code
 * _SUCCESS} last); {@link #load} reads that, or a {@code bin/train} output directory or {@code
 * model.zip}, on any Hadoop filesystem. A {@code PipelineModel} holding it saves and loads. {@link
 * #registerFunctions} adds SQL's {@code predict_digit} and {@code predict_digit_proba}.
 *
 * <p>{@code rawPrediction} holds the network's softmax output, as {@code probability} does (the
 * exported graph ends in its softmax); set {@code rawPredictionCol} or {@code probabilityCol} to ""
 * to leave a column out. {@code confidenceCol}, off by default, adds the predicted digit's
 * probability as a plain double: with both vector columns left out, no row pays for building and
 * encoding ML vectors it does not need.
 */
public final class DigitClassifierModel extends Model<DigitClassifierModel> implements MLWritable {
  private static final long serialVersionUID = 1L;
  static final String ERROR = "error";
  static final String SKIP = "skip";
  static final String KEEP = "keep";

  private final String uid;

  /**
   * The model's files; transient because they travel to executors as a broadcast, never inside the
   * stage.
   */
  private transient ModelFilesInMemory files;

  private transient ScoreRowsFunction.ModelHandle handle;
  private transient SparkContext handleContext;
  private transient Engine handleEngine;
  private transient LongAccumulator loads;
  private transient DigitClassifierTrainingSummary summary;

  private final Param<String> featuresCol;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> rawPredictionCol;
  private final Param<String> confidenceCol;
  private final Param<String> handleInvalid;
  private final Param<String> invalidReasonCol;
  private final Param<String> engine;
  private final IntParam batchSize;

  /**
   * For Spark ML's reflection (a stage needs a public constructor taking its uid); {@link #load} is
   * the way in.
   */
  public DigitClassifierModel(String uid) {
    this(uid, null);
  }

  DigitClassifierModel(String uid, ModelFilesInMemory files) {
    this.uid = uid; // before any Param: a Param asks its parent's uid when it is built
    this.files = files;
    featuresCol = new Param<>(this, "featuresCol", "features column name: " + Features.ACCEPTED);
    labelCol =
        new Param<>(this, "labelCol", "label column name (int 0-9), for evaluators and fitting");
    predictionCol =
        new Param<>(
            this, "predictionCol", "prediction column name (double, the most probable digit)");
    probabilityCol =
        new Param<>(
            this,
            "probabilityCol",
            "column name for the ten class probabilities (an ML Vector); \"\" leaves it out");
    rawPredictionCol =
        new Param<>(
            this,
            "rawPredictionCol",
            "column name for the raw prediction (the network's softmax output, an ML Vector of ten); \"\" leaves it out");
    confidenceCol =
        new Param<>(
            this,
            "confidenceCol",
            "column name for the predicted digit's probability (double); \"\" (the default) leaves it out");
    handleInvalid =
        new Param<>(
            this,
            "handleInvalid",
            "how to handle a row whose features are not a digit: error "
                + "(fail, naming the row), skip (drop it) or keep (null prediction, the reason in invalidReasonCol)",
            ParamValidators.inArray(new String[] {ERROR, SKIP, KEEP}));
    invalidReasonCol =
        new Param<>(
            this,
            "invalidReasonCol",
            "with handleInvalid=keep: the column that says why a row has no prediction (null for scored rows)");
    engine =
        new Param<>(
            this,
            "engine",
            "what runs the forward pass: onnx (ONNX Runtime, the default) or dl4j (the "
                + "DL4J network, the reference)",
            ParamValidators.inArray(new String[] {"onnx", "dl4j"}));
    batchSize = new IntParam(this, "batchSize", "images per forward pass", ParamValidators.gtEq(1));
    setDefault(featuresCol, "features");
    setDefault(labelCol, "label");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(confidenceCol, "");
    setDefault(handleInvalid, ERROR);
    setDefault(invalidReasonCol, "invalidReason");
    setDefault(engine, "onnx");
    setDefault(batchSize, 256);
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

  public Param<String> confidenceCol() {
    return confidenceCol;
  }

  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  public Param<String> invalidReasonCol() {
    return invalidReasonCol;
  }

  public Param<String> engine() {
    return engine;
  }

  public IntParam batchSize() {
    return batchSize;
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

  public String getConfidenceCol() {
    return getOrDefault(confidenceCol);
  }

  public String getHandleInvalid() {
    return getOrDefault(handleInvalid);
  }

  public String getInvalidReasonCol() {
    return getOrDefault(invalidReasonCol);
  }

  public String getEngine() {
    return getOrDefault(engine);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public DigitClassifierModel setFeaturesCol(String value) {
    set(featuresCol, value);
    return this;
  }

  public DigitClassifierModel setLabelCol(String value) {
    set(labelCol, value);
    return this;
  }

  public DigitClassifierModel setPredictionCol(String value) {
    set(predictionCol, value);
    return this;
  }

  public DigitClassifierModel setProbabilityCol(String value) {
    set(probabilityCol, value);
    return this;
  }

  public DigitClassifierModel setRawPredictionCol(String value) {
    set(rawPredictionCol, value);
    return this;
  }

  public DigitClassifierModel setConfidenceCol(String value) {
    set(confidenceCol, value);
    return this;
  }

  public DigitClassifierModel setHandleInvalid(String value) {
    set(handleInvalid, value);
    return this;
  }

  public DigitClassifierModel setInvalidReasonCol(String value) {
    set(invalidReasonCol, value);
    return this;
  }

  public DigitClassifierModel setEngine(String value) {
    set(engine, value);
    return this;
  }

  public DigitClassifierModel setBatchSize(int value) {
    set(batchSize, value);
    return this;
  }

  // ---- the model

  /**
   * The model's identity: the SHA-256 of its {@code model.zip}, as training and scoring record it.
   */
  public String sha256() {
    return files().zipSha256();
  }

  /**
   * Where this model came from, typed: its identity, the fit's settings, the data's hashes, every
   * epoch, the final evaluation, versions, cluster and natives, as its {@code metrics.json} records
   * them (null parts where it has none).
   */
  public ModelProvenance provenance() {
    ModelFilesInMemory f = files();
    return ModelProvenance.of(f.source(), f.zipSha256(), f.onnxSha256(), f.metricsJson());
  }

  /**
   * Whether this model came from {@code DigitClassifier.fit} in this application (summaries are not
   * saved).
   */
  public boolean hasSummary() {
    return summary != null;
  }

  /** What the fit that made this model did: per-epoch loss, accuracies, seconds and images/s. */
  public DigitClassifierTrainingSummary summary() {
    if (summary == null) {
      throw new IllegalStateException(
          "Cannot give a training summary: DigitClassifierModel "
              + uid
              + " was loaded, "
              + "not fitted here; its metricsJson() holds what training recorded");
    }
    return summary;
  }

  void setSummary(DigitClassifierTrainingSummary summary) {
    this.summary = summary;
  }

  /** Where the model was loaded from. */
  public String source() {
    return files().source();
  }

  /**
   * The {@code metrics.json} training wrote beside the model (configuration, inputs, evaluation),
   * or null.
   */
  public String metricsJson() {
    return files().metricsJson();
  }

  private ModelFilesInMemory files() {
    if (files == null) {
      throw new IllegalStateException(
          "Cannot use DigitClassifierModel "
              + uid
              + ": it holds no model; load one with "
              + "DigitClassifierModel.load(path) or fit a DigitClassifier");
    }
    return files;
  }

  private Engine engineValue() {
    return Engine.valueOf(getEngine().toUpperCase(Locale.ROOT));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String features = getFeaturesCol();
    if (schema.getFieldIndex(features).isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot score: column "
              + features
              + " is not in the input (columns: "
              + String.join(", ", schema.fieldNames())
              + "); set featuresCol to the column holding the digits");
    }
    String refusal = Features.refusal(schema.apply(features).dataType());
    if (refusal != null) {
      throw new IllegalArgumentException(
          "Cannot score: column "
              + features
              + " is "
              + refusal
              + "; DigitClassifierModel accepts "
              + Features.ACCEPTED);
    }
    List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
    for (StructField out : outputFields()) {
      if (schema.getFieldIndex(out.name()).isDefined()) {
        throw new IllegalArgumentException(
            "Cannot score: the output column "
                + out.name()
                + " is already in the input; "
                + "set another name or drop it");
      }
      fields.add(out);
    }
    return DataTypes.createStructType(fields);
  }

  /**
   * The columns {@link #transform} appends, in the order {@code ScoreRowsFunction} fills them:
   * prediction, rawPrediction, probability, confidence (each set one), invalidReason (with keep).
   */
  private List<StructField> outputFields() {
    List<StructField> out = new ArrayList<>();
    out.add(DataTypes.createStructField(getPredictionCol(), DataTypes.DoubleType, true));
    if (!getRawPredictionCol().isEmpty())
      out.add(DataTypes.createStructField(getRawPredictionCol(), Features.vectorType(), true));
    if (!getProbabilityCol().isEmpty())
      out.add(DataTypes.createStructField(getProbabilityCol(), Features.vectorType(), true));
    if (!getConfidenceCol().isEmpty())
      out.add(DataTypes.createStructField(getConfidenceCol(), DataTypes.DoubleType, true));
    if (KEEP.equals(getHandleInvalid()))
      out.add(DataTypes.createStructField(getInvalidReasonCol(), DataTypes.StringType, true));
    return out;
  }

  /**
   * Scores in partitions ({@code Dataset.mapPartitions}, never an RDD): batch and streaming
   * DataFrames alike.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    Dataset<Row> df = dataset.toDF();
    StructType in = df.schema();
    int features = in.fieldIndex(getFeaturesCol());
    int id = in.getFieldIndex("id").isDefined() ? in.fieldIndex("id") : -1;
    ScoreRowsFunction score =
        new ScoreRowsFunction(
            handle(df.sparkSession()),
            features,
            id,
            getFeaturesCol(),
            getBatchSize(),
            getHandleInvalid(),
            !getProbabilityCol().isEmpty(),
            !getRawPredictionCol().isEmpty(),
            !getConfidenceCol().isEmpty());
    return df.mapPartitions(score, Encoders.row(out));
  }

  /**
   * The broadcast model for this session's context and engine, made once and reused by every
   * transform.
   */
  private synchronized ScoreRowsFunction.ModelHandle handle(SparkSession spark) {
    Engine e = engineValue();
    SparkContext sc = spark.sparkContext();
    if (handle == null || handleContext != sc || handleEngine != e || sc.isStopped()) {
      ModelArtifacts artifacts = files().artifacts(e);
      if (loads == null || handleContext != sc)
        loads = sc.longAccumulator("digitclassifier.modelLoads");
      handle =
          new ScoreRowsFunction.ModelHandle(
              JavaSparkContext.fromSparkContext(sc).broadcast(artifacts),
              artifacts.zipSha256(),
              e,
              loads);
      handleContext = sc;
      handleEngine = e;
    }
    return handle;
  }

  /**
   * Registers SQL functions for this model in {@code spark}: {@code predict_digit(features)} (int,
   * the most probable digit) and {@code predict_digit_proba(features)} (array of ten doubles), for
   * any column type {@link #transform} accepts; null for a null value, an error naming what was
   * wrong for a value that is not a digit. SQL calls them once per row (a forward pass of one
   * image): {@link #transform} batches and is the fast way to score many rows.
   */
  public DigitClassifierModel registerFunctions(SparkSession spark) {
    return registerFunctions(spark, "predict_digit");
  }

  /**
   * {@link #registerFunctions(SparkSession)} under another name: {@code NAME} and {@code
   * NAME_proba}.
   */
  public DigitClassifierModel registerFunctions(SparkSession spark, String name) {
    ScoreRowsFunction.ModelHandle h = handle(spark);
    spark
        .udf()
        .register(
            name,
            (UDF1<Object, Integer>) v -> v == null ? null : predictOne(h, v, name).label(),
            DataTypes.IntegerType);
    spark
        .udf()
        .register(
            name + "_proba",
            (UDF1<Object, double[]>)
                v ->
                    v == null
                        ? null
                        : ScoreRowsFunction.toDoubles(
                            predictOne(h, v, name + "_proba").probabilities()),
            DataTypes.createArrayType(DataTypes.DoubleType, false));
    return this;
  }

  private static Predictor.Prediction predictOne(
      ScoreRowsFunction.ModelHandle h, Object value, String function) {
    byte[] pixels;
    try {
      pixels = Features.pixels(value);
    } catch (Features.BadFeatureException e) {
      throw new IllegalArgumentException(
          "Cannot score with " + function + ": " + e.getMessage(), e);
    }
    return h.predictOne(pixels);
  }

  @Override
  public DigitClassifierModel copy(ParamMap extra) {
    DigitClassifierModel copy = copyValues(new DigitClassifierModel(uid, files), extra);
    copy.summary = summary;
    // the same broadcast and load count while the engine stays (handle() makes a new one otherwise)
    copy.handle = handle;
    copy.handleContext = handleContext;
    copy.handleEngine = handleEngine;
    copy.loads = loads;
    return copy.setParent(parent());
  }

  // ---- persistence

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /**
   * Spark ML's reader, found by {@code Pipeline.load} and {@code PipelineModel.load} through
   * reflection.
   */
  public static MLReader<DigitClassifierModel> read() {
    return new Reader();
  }

  /**
   * A model over artifacts already read for one engine ({@code ModelArtifacts.read}), with that
   * engine set: the scoring job's way in, which has read and checked the model before Spark starts.
   */
  public static DigitClassifierModel of(ModelArtifacts artifacts) {
    DigitClassifierModel m =
        new DigitClassifierModel(
            Identifiable$.MODULE$.randomUID("digitClassifierModel"),
            ModelFilesInMemory.of(artifacts));
    return m.setEngine(artifacts.onnx() != null ? "onnx" : "dl4j");
  }

  /**
   * Models this stage has loaded on executors so far, over all its transforms and SQL calls in this
   * application: one per concurrent task slot at most, never one per partition (an executor that
   * already holds the model loads nothing).
   */
  public long modelLoads() {
    return loads == null ? 0 : loads.value();
  }

  /**
   * A model saved by {@code write().save(path)} (alone or inside a pipeline), a {@code bin/train}
   * output directory or a {@code model.zip}, on any Hadoop filesystem.
   */
  public static DigitClassifierModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final DigitClassifierModel model;

    Writer(DigitClassifierModel model) {
      this.model = model;
    }

    /**
     * Spark's params metadata, then the model's files beside it, then {@code _SUCCESS} last, so a
     * reader on an object store can tell a finished save from an interrupted one (as with every
     * model directory here).
     */
    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
      Configuration conf = sc().hadoopConfiguration();
      model.files().writeTo(path, conf);
      Storage.writeAtomically(
          new Path(path, AtomicOutput.SUCCESS).toString(), conf, true, out -> {});
    }
  }

  private static final class Reader extends MLReader<DigitClassifierModel> {
    @Override
    public DigitClassifierModel load(String path) {
      SparkContext sc = sparkSession().sparkContext();
      Configuration conf = sc.hadoopConfiguration();
      ModelFilesInMemory files = ModelFilesInMemory.read(path, conf);
      String metadata = new Path(Storage.qualify(path, conf), "metadata").toString();
      if (!Storage.isDirectory(
          metadata, conf)) { // a bin/train directory or a model.zip: default params
        return new DigitClassifierModel(
            Identifiable$.MODULE$.randomUID("digitClassifierModel"), files);
      }
      DefaultParamsReader.Metadata m =
          DefaultParamsReader$.MODULE$.loadMetadata(path, sc, DigitClassifierModel.class.getName());
      DigitClassifierModel model = new DigitClassifierModel(m.uid(), files);
      m.getAndSetParams(model, Option.empty());
      return model;
    }
  }
}
