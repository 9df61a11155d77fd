package io.digitclassifier.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession every job starts from. Settings a user made (spark-submit flags, spark-defaults.conf) win;
 * what DL4J needs and the user did not set is filled in: Kryo with ND4J's registrator, a Kryo buffer large
 * enough for a network's parameters, and {@code local[*]} when no master was given at all. {@link NativesPlugin}
 * is always added, so that every executor picks ND4J's natives from its own CPU.
 */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession create(String appName) {
    io.digitclassifier.spark.ExecutorSetup.ensure();
    SparkConf conf = new SparkConf()
        .setIfMissing("spark.master", "local[*]")
        .setIfMissing("spark.app.name", appName)
        .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
        .setIfMissing("spark.kryoserializer.buffer.max", "512m")
        .setIfMissing("spark.ui.showConsoleProgress", "false");
    NativesPlugin.register(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    // an unreachable NameNode or S3 endpoint fails in seconds, not after Hadoop's many minutes of retries
    io.digitclassifier.storage.Storage.withDefaults(spark.sparkContext().hadoopConfiguration());
    return spark;
  }

  /**
   * Where a job ran, as metrics.json records it: Spark's master and deploy mode, the application, and its executors
   * (their hosts, cores each, cores in all).
   */
  public record WhereItRan(String master, String deployMode, String applicationId, String applicationName,
      int executors, List<String> executorHosts, String executorCores, int totalCores) {}

  /**
   * Where a run happens, for {@code metrics.json}: master, deploy mode, application id and name, the executors
   * (in local mode the driver's JVM is the one executor) with their hosts, and the cores Spark schedules on.
   */
  public static WhereItRan whereItRuns(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    // the status tracker lists the driver as well, once; in local mode it is the one executor
    List<String> hosts = new ArrayList<>();
    for (SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) hosts.add(e.host());
    int executors = sc.isLocal() ? 1 : hosts.size() - 1;
    if (!sc.isLocal() && !hosts.remove(sc.getConf().get("spark.driver.host", "")) && !hosts.isEmpty()) {
      hosts.remove(0); // the driver's entry under another name for its host: which one it is cannot be told
    }
    return new WhereItRan(sc.master(), sc.deployMode(), sc.applicationId(), sc.appName(), executors, List.copyOf(hosts),
        sc.isLocal() ? String.valueOf(sc.defaultParallelism())
            : sc.getConf().get("spark.executor.cores", "all of a worker's"), sc.defaultParallelism());
  }
}
