package io.digitclassifier.spark;

import org.apache.spark.SparkConf;
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
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
