package io.digitclassifier.spark;

import io.digitclassifier.natives.LoadedNatives;
import io.digitclassifier.natives.NativeBuild;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark's plugin ({@code spark.plugins}) that makes each executor pick ND4J's native build from its
 * own CPU when it starts, before it deserialises any task (a broadcast INDArray or ND4J's Kryo
 * registrator would load ND4J with JavaCPP's blind default), then load it and report what it loaded
 * to the driver. Executors on different kinds of host each choose their own. {@link SparkSessions}
 * adds it to every job's session.
 */
public final class NativesPlugin implements SparkPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(NativesPlugin.class);

  /** Executor id -> its loaded build and why, as the executors reported it; in the driver's JVM. */
  private static final Map<String, String> REPORTED = new ConcurrentHashMap<>();

  /** Adds this plugin to {@code spark.plugins}, keeping the plugins a user configured. */
  public static SparkConf register(SparkConf conf) {
    String mine = NativesPlugin.class.getName();
    String plugins = conf.get("spark.plugins", "").trim();
    if (!(" " + plugins.replace(',', ' ') + " ").contains(" " + mine + " ")) {
      conf.set("spark.plugins", plugins.isEmpty() ? mine : plugins + "," + mine);
    }
    return conf;
  }

  /**
   * For metrics.json and _summary.json: the driver's build ({@link LoadedNatives#describe()}) and
   * each executor's as it reported it (executor id -> build and why).
   */
  public record Natives(LoadedNatives.Choice driver, Map<String, String> executors) {}

  /** The driver's choice and the executors' reports so far. */
  public static Natives describe() {
    return new Natives(LoadedNatives.describe(), reported());
  }

  /** What each executor reported so far (executor id -> build and why), sorted by id. */
  public static Map<String, String> reported() {
    return new TreeMap<>(REPORTED);
  }

  /**
   * This host's name. Not {@code PluginContext.hostname()}: it reads the executor's RPC address,
   * which a cluster executor does not have (its RpcEnv is client-only), and throws there; it only
   * works in local mode.
   */
  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "an unnamed host";
    }
  }

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Object receive(Object message) {
        if (message instanceof String[] m && m.length == 2) REPORTED.put(m[0], m[1]);
        return null;
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        NativeBuild.Selection chosen = NativeBuild.select();
        ExecutorSetup.ensure();
        String loaded = LoadedNatives.build();
        String line =
            loaded
                + (LoadedNatives.hasOneDnn() ? ", oneDNN" : ", no oneDNN")
                + " on "
                + hostname()
                + " ("
                + chosen.reason()
                + ")";
        LOG.info("Executor {}: ND4J natives loaded: {}", ctx.executorID(), line);
        try {
          ctx.send(new String[] {ctx.executorID(), line});
        } catch (IOException | RuntimeException e) {
          LOG.warn("Cannot report the executor's native build to the driver: {}", e.toString());
        }
      }
    };
  }
}
