package io.digitclassifier.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession every job starts from. Settings a user made (spark-submit flags,
 * spark-defaults.conf) win; what DL4J needs and the user did not set is filled in: Kryo with ND4J's
 * registrator, a Kryo buffer large enough for a network's parameters, and {@code local[*]} when no
 * master was given at all. {@link NativesPlugin} is always added, so that every executor picks
 * ND4J's natives from its own CPU.
 */
public final class SparkSessions {
  /**
   * Spark 3.5's own {@code spark.redaction.regex}: matches s3a's access and secret keys and session
   * token.
   */
  static final String SPARK_REDACTION = "(?i)secret|password|token|access[.]key";

  /**
   * The credential settings of the filesystems the README names that Spark's default misses: s3a's
   * (and gcs's) {@code *.encryption.key} and s3a's older {@code fs.s3a.server-side-encryption.key},
   * Azure's account keys ({@code fs.azure.account.key.ACCOUNT...}, not {@code
   * fs.azure.account.keyprovider...}, a class name), its WASB SAS tokens ({@code
   * fs.azure.sas.CONTAINER.ACCOUNT...}) and ABFS's customer-provided key ({@code
   * fs.azure.encryption.encoded.key}), and a GCS service account's private key.
   */
  static final String CREDENTIALS =
      "encryption[.]key|encoded[.]key|account[.]key[.]|azure[.]sas[.]|private[.]key";

  /**
   * What the jobs set (and {@code conf/spark-defaults.conf} and its templates ship): Spark's
   * default and ours.
   */
  public static final String REDACTION_REGEX = SPARK_REDACTION + "|" + CREDENTIALS;

  static final String REDACTION_KEY = "spark.redaction.regex";

  private SparkSessions() {}

  public static SparkSession create(String appName) {
    io.digitclassifier.spark.ExecutorSetup.ensure();
    SparkConf conf =
        new SparkConf()
            .setIfMissing("spark.master", "local[*]")
            .setIfMissing("spark.app.name", appName)
            .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
            .setIfMissing("spark.kryoserializer.buffer.max", "512m")
            .setIfMissing("spark.ui.showConsoleProgress", "false");
    redactCredentials(conf);
    NativesPlugin.register(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    // an unreachable NameNode or S3 endpoint fails in seconds, not after Hadoop's many minutes of
    // retries
    io.digitclassifier.storage.Storage.withDefaults(spark.sparkContext().hadoopConfiguration());
    return spark;
  }

  /**
   * Makes Spark redact every credential setting ({@link #CREDENTIALS}) wherever it shows its
   * configuration (the UI's environment page with its Hadoop properties, the event log, {@code
   * spark-submit --verbose}, its logs): sets {@link #REDACTION_REGEX}, or, when a regex of the
   * user's own is set without these, extends it with them, so a narrower regex from a properties
   * file never uncovers a key. Returns the conf.
   */
  public static SparkConf redactCredentials(SparkConf conf) {
    String own = conf.get(REDACTION_KEY, null);
    if (own == null || own.isBlank()) {
      conf.set(REDACTION_KEY, REDACTION_REGEX);
    } else if (!own.contains(CREDENTIALS)) {
      conf.set(REDACTION_KEY, own + "|(?i)" + CREDENTIALS);
    }
    return conf;
  }

  /**
   * Where a job ran, as metrics.json records it: Spark's master and deploy mode, the application,
   * and its executors (their hosts, cores each, cores in all).
   */
  public record WhereItRan(
      String master,
      String deployMode,
      String applicationId,
      String applicationName,
      int executors,
      List<String> executorHosts,
      String executorCores,
      int totalCores) {}

  /**
   * Where a run happens, for {@code metrics.json}: master, deploy mode, application id and name,
   * the executors (in local mode the driver's JVM is the one executor) with their hosts, and the
   * cores Spark schedules on.
   */
  public static WhereItRan whereItRuns(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    // the status tracker lists the driver as well, once; in local mode it is the one executor
    List<String> hosts = new ArrayList<>();
    for (SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) hosts.add(e.host());
    int executors = sc.isLocal() ? 1 : hosts.size() - 1;
    if (!sc.isLocal()
        && !hosts.remove(sc.getConf().get("spark.driver.host", ""))
        && !hosts.isEmpty()) {
      hosts.remove(
          0); // the driver's entry under another name for its host: which one it is cannot be told
    }
    return new WhereItRan(
        sc.master(),
        sc.deployMode(),
        sc.applicationId(),
        sc.appName(),
        executors,
        List.copyOf(hosts),
        sc.isLocal()
            ? String.valueOf(sc.defaultParallelism())
            : sc.getConf().get("spark.executor.cores", "all of a worker's"),
        sc.defaultParallelism());
  }
}
