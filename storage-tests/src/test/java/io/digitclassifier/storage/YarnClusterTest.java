package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both jobs on a real YARN (a ResourceManager and a NodeManager in this JVM, MiniYARNCluster) over a real HDFS,
 * submitted with bin/train and bin/score as a user submits them: {@code --master yarn --deploy-mode cluster} with the
 * YARN template's sizing, the driver in a container of its own, data, model and output on HDFS. The NodeManager
 * enforces physical memory as a production one does, so an executor over its memoryOverhead is killed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Commands.ROOT.resolve("storage-tests/target/yarn");
  private static final Path TEMPLATE = Commands.ROOT.resolve("conf/templates/spark-defaults.yarn.conf");
  private static final Pattern PROGRESS = Pattern.compile("Epoch 1/1: (\\d+)/(\\d+) images");
  private static MiniHdfs hdfs;
  private static MiniYARNCluster yarn;
  private static YarnClient client;
  private static Path hadoopConf;
  private static double undisturbed = Double.NaN;

  @BeforeAll
  static void startYarnAndHdfs() throws Exception {
    Files.createDirectories(WORK);
    hdfs = MiniHdfs.start(WORK.resolve("dfs"));
    YarnConfiguration conf = new YarnConfiguration();
    conf.set("fs.defaultFS", hdfs.uri);
    // one queue taking everything (hadoop-client-minicluster ships no capacity-scheduler.xml)
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
    conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
    // memory as a production NodeManager enforces it: physical memory checked every second, containers sized to
    // the 128 MB, not rounded up to 1 GB; 20 GB to give (the template's driver + two executors)
    conf.setBoolean("yarn.minicluster.control-resource-monitoring", true);
    conf.setBoolean("yarn.nodemanager.pmem-check-enabled", true);
    conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
    // the polling check, as on a NodeManager without cgroups (with "enforced" it leaves the job to cgroups' OOM killer)
    conf.setBoolean("yarn.nodemanager.resource.memory.enforced", false);
    conf.setInt("yarn.nodemanager.container-monitor.interval-ms", 1000);
    conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 20 * 1024);
    conf.setInt("yarn.scheduler.minimum-allocation-mb", 128);
    conf.setInt("yarn.scheduler.maximum-allocation-mb", 10 * 1024);
    yarn = new MiniYARNCluster("YarnClusterTest", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
      assertThat(System.nanoTime()).as("the ResourceManager's port in time").isLessThan(end);
      Thread.sleep(100);
    }
    assertThat(yarn.waitForNodeManagersToConnect(30_000)).isTrue();
    // the cluster's client configuration, as HADOOP_CONF_DIR for spark-submit (what an edge node has)
    hadoopConf = WORK.resolve("hadoop-conf");
    Files.createDirectories(hadoopConf);
    for (String file : List.of("core-site.xml", "yarn-site.xml")) {
      try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(file))) {
        yarn.getConfig().writeXml(out);
      }
    }
    client = YarnClient.createYarnClient();
    client.init(yarn.getConfig());
    client.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) client.stop();
    if (yarn != null) yarn.stop();
    if (hdfs != null) hdfs.close();
  }

  /** A submission's Spark flags: YARN in {@code mode}, the YARN template's sizing, two executors, one attempt. */
  private static List<String> submit(String command, String mode, String name, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--master", "yarn", "--deploy-mode", mode,
        "--properties-file", TEMPLATE.toString(), "--num-executors", "2", "--name", name,
        "--conf", "spark.yarn.maxAppAttempts=1", "--conf", "spark.yarn.tags=" + name));
    args.addAll(List.of(more));
    return args;
  }

  /**
   * What a user with a Spark 3.5 distribution runs, {@code spark-submit --master yarn ... APP.jar}, with nothing of
   * the project's launcher: SparkSubmit on the build's Spark classpath, whose jars also go to YARN's containers
   * ({@code spark.yarn.jars}, what a distribution's {@code jars/} would be).
   */
  private static List<String> plainSparkSubmit(String mode, String name, String mainClass, String module)
      throws IOException {
    Path runtime = Commands.ROOT.resolve("spark-runtime/target");
    String classpath = Files.readString(runtime.resolve("spark-classpath.txt")).trim();
    List<String> args = new ArrayList<>();
    args.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    args.addAll(List.of(Files.readString(runtime.resolve("java17.options")).trim().split("\\s+")));
    args.addAll(List.of("-cp", hadoopConf + ":" + classpath, "org.apache.spark.deploy.SparkSubmit"));
    List<String> flags = submit("spark-submit", mode, name);
    args.addAll(flags.subList(1, flags.size()));
    String jar;
    try (Stream<Path> jars = Files.list(Commands.ROOT.resolve(module).resolve("target"))) {
      jar = jars.map(Path::toString).filter(p -> p.endsWith("-app.jar")).findFirst().orElseThrow();
    }
    args.addAll(List.of("--conf", "spark.yarn.jars=" + classpath.replace(':', ','), "--class", mainClass, jar));
    return args;
  }

  private static List<String> train(String mode, String name, String output, String... more) {
    List<String> args = submit("bin/train", mode, name, "--data", hdfs.uri + "/data/mnist", "--model", "lenet",
        "--limit", "3000", "--augment-copies", "1", "--epochs", "1", "--averaging-frequency", "5",
        "--progress-seconds", "1", "--output", hdfs.uri + output);
    args.addAll(List.of(more));
    return args;
  }

  /**
   * {@code spark.yarn.jars} as a cluster with Spark 3.5.9 on every node sets it: the jars where the NodeManager
   * finds them ({@code local:}), nothing uploaded (this NodeManager runs on this host). The launcher's default,
   * the jars uploaded with the application, is what the first test's submissions use.
   */
  private static String localSparkJars() throws IOException {
    String classpath = Files.readString(Commands.ROOT.resolve("spark-runtime/target/spark-classpath.txt")).trim();
    return "local:" + String.join(",local:", classpath.split(":"));
  }

  private static Map<String, String> env() {
    return Map.of("HADOOP_CONF_DIR", hadoopConf.toString());
  }

  /** The YARN application submitted with {@code spark.yarn.tags=name}, as the ResourceManager reports it. */
  private static ApplicationReport application(String name) throws Exception {
    List<ApplicationReport> apps = client.getApplications(null, EnumSet.allOf(YarnApplicationState.class), Set.of(name));
    assertThat(apps).as("the application tagged " + name).hasSize(1);
    return apps.get(0);
  }

  /** The driver's log in cluster mode: its container's stdout and stderr, from the NodeManager's log directory. */
  private static String driverLog(ApplicationReport app) throws Exception {
    if (app.getCurrentApplicationAttemptId() == null) return "";
    var am = client.getApplicationAttemptReport(app.getCurrentApplicationAttemptId()).getAMContainerId();
    if (am == null) return ""; // not launched yet
    String amContainer = am.toString();
    StringBuilder out = new StringBuilder();
    for (String dir : yarn.getNodeManager(0).getConfig().getStrings(YarnConfiguration.NM_LOG_DIRS)) {
      Path container = Path.of(dir, app.getApplicationId().toString(), amContainer);
      for (String f : List.of("stdout", "stderr")) {
        if (Files.isRegularFile(container.resolve(f))) out.append(Files.readString(container.resolve(f)));
      }
    }
    return out.toString();
  }

  @Test
  @Order(1)
  void trainsAndScoresInClusterModeOnHdfsWithTheTemplatesSizing() throws Exception {
    Commands.Result trained = Commands.run(WORK.resolve("train.log"), train("cluster", "train-cluster", "/runs/model"), env());
    ApplicationReport app = application("train-cluster");
    assertThat(trained.exit()).as(trained.output() + driverLog(app)).isZero();
    assertThat(app.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
    JsonNode metrics = JSON.readTree(hdfs.read("/runs/model/metrics.json"));
    undisturbed = metrics.at("/finalEvaluation/accuracy").asDouble();
    assertThat(undisturbed).isGreaterThan(0.85);
    assertThat(metrics.at("/cluster/master").asText()).isEqualTo("yarn");
    assertThat(metrics.at("/cluster/executors").asInt()).isEqualTo(2);
    for (String f : List.of("model.zip", "report.html", "_SUCCESS")) {
      assertThat(hdfs.exists("/runs/model/" + f)).as(f).isTrue();
    }
    assertThat(driverLog(app)).as("the driver ran in its container").contains("Trained");

    // scoring in cluster mode with bin/score, and in client mode with plain spark-submit and the shaded jar: the
    // same model, the same answers
    for (String mode : List.of("cluster", "client")) {
      List<String> job = List.of("--input", hdfs.uri + "/data/mnist/t10k-images-idx3-ubyte", "--model",
          hdfs.uri + "/runs/model", "--output", hdfs.uri + "/scored-" + mode, "--kaggle-submission",
          hdfs.uri + "/kaggle-" + mode + ".csv");
      List<String> command = mode.equals("cluster") ? submit("bin/score", mode, "score-" + mode)
          : plainSparkSubmit(mode, "score-" + mode, "io.digitclassifier.scoring.ScoringJob", "scoring-job");
      command.addAll(job);
      Commands.Result scored = Commands.run(WORK.resolve("score-" + mode + ".log"), command, env());
      assertThat(scored.exit()).as(scored.output()).isZero();
      assertThat(application("score-" + mode).getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
    }
    JsonNode cluster = JSON.readTree(hdfs.read("/scored-cluster/_summary.json"));
    JsonNode client = JSON.readTree(hdfs.read("/scored-client/_summary.json"));
    assertThat(cluster.get("scored").asLong()).isEqualTo(10_000);
    assertThat(cluster.at("/evaluation/accuracy").asDouble()).isGreaterThan(0.85)
        .isEqualTo(client.at("/evaluation/accuracy").asDouble());
    assertThat(hdfs.read("/kaggle-cluster.csv")).isEqualTo(hdfs.read("/kaggle-client.csv")).startsWith("ImageId,Label\n1,");
  }

  @Test
  @Order(2)
  void aBadInputFailsTheApplicationAndTheDriversLogSaysWhy() throws Exception {
    // Kaggle's test.csv layout, 300 rows, one bad value: found by an executor, reported by the driver
    StringBuilder csv = new StringBuilder("pixel0");
    for (int i = 1; i < 784; i++) csv.append(",pixel").append(i);
    csv.append('\n');
    for (int row = 0; row < 300; row++) {
      csv.append('0');
      for (int i = 1; i < 784; i++) csv.append(row == 150 && i == 9 ? ",oops" : ",0");
      csv.append('\n');
    }
    try (var out = hdfs.fs.create(new org.apache.hadoop.fs.Path("/data/bad.csv"))) {
      out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
    }
    Commands.Result r = Commands.run(WORK.resolve("bad.log"), submit("bin/score", "cluster", "score-bad", "--input",
        hdfs.uri + "/data/bad.csv", "--model", hdfs.uri + "/runs/model", "--output", hdfs.uri + "/scored-bad",
        "--conf", "spark.yarn.jars=" + localSparkJars()), env());
    ApplicationReport app = application("score-bad");
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(app.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.FAILED);
    String reason = "Scoring failed: Cannot read " + hdfs.uri + "/data/bad.csv: line 152, column pixel9: value 'oops'";
    assertThat(driverLog(app)).as("the one-line reason in the driver's container log").contains(reason);
    assertThat(app.getDiagnostics()).as("and in YARN's diagnostics").contains(reason);
    assertThat(hdfs.exists("/scored-bad")).as("no output").isFalse();
  }

  @Test
  @Order(3)
  void anExecutorOverItsMemoryOverheadIsKilledByYarnAndTheDriverSaysWhy() throws Exception {
    // a 1 GB heap made resident at start (as late in a long job) with 64 MB of overhead for everything else
    Path log = WORK.resolve("overhead.log");
    Process p = Commands.start(log, train("cluster", "train-overhead", "/runs/overhead",
        "--conf", "spark.executor.memory=1g", "--conf", "spark.executor.memoryOverhead=64m",
        "--conf", "spark.executor.extraJavaOptions=-Xms1g -XX:+AlwaysPreTouch -Dorg.bytedeco.javacpp.maxphysicalbytes=0",
        "--conf", "spark.yarn.jars=" + localSparkJars()), env());
    String killed = "Container killed by YARN for exceeding physical memory limits";
    long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    String driver = "";
    while (!driver.contains(killed) && p.isAlive()) {
      assertThat(System.nanoTime()).as("an executor killed by YARN in time").isLessThan(end);
      Thread.sleep(1000);
      List<ApplicationReport> apps = client.getApplications(null, EnumSet.allOf(YarnApplicationState.class),
          Set.of("train-overhead"));
      if (!apps.isEmpty()) driver = driverLog(apps.get(0));
    }
    ApplicationReport app = application("train-overhead");
    // Spark asks YARN for new executors, which go the same way: the operator stops the application
    client.killApplication(app.getApplicationId());
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isNotZero();
    assertThat(driver).as(driver).containsPattern(killed + "\\. [0-9.]+ GB of 1\\.1 GB physical memory used\\. "
        + "Consider boosting spark\\.executor\\.memoryOverhead\\.");
    assertThat(Files.readString(Commands.ROOT.resolve("storage-tests/target/hadoop.log")))
        .as("the NodeManager's own reason").containsPattern("is running \\d+B beyond the 'PHYSICAL' memory limit");
    assertThat(hdfs.exists("/runs/overhead")).isFalse();
  }

  @Test
  @Order(4)
  void trainingSurvivesAnExecutorContainerKilledMidEpoch() throws Exception {
    assertThat(undisturbed).as("the undisturbed run's accuracy (first test)").isGreaterThan(0.85);
    Path log = WORK.resolve("train-killed.log");
    Process p = Commands.start(log, train("cluster", "train-killed", "/runs/killed", "--conf",
        "spark.yarn.jars=" + localSparkJars()), env());
    long end = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    ApplicationReport app = null;
    while (p.isAlive()) {
      assertThat(System.nanoTime()).as("a fifth of the epoch trained in time").isLessThan(end);
      Thread.sleep(500);
      List<ApplicationReport> apps = client.getApplications(null, EnumSet.allOf(YarnApplicationState.class),
          Set.of("train-killed"));
      if (apps.isEmpty() || apps.get(0).getCurrentApplicationAttemptId() == null) continue;
      app = apps.get(0);
      Matcher m = PROGRESS.matcher(driverLog(app));
      long done = 0;
      long total = 1;
      while (m.find()) {
        done = Long.parseLong(m.group(1));
        total = Long.parseLong(m.group(2));
      }
      if (done * 5 >= total) break;
    }
    assertThat(p.isAlive()).as("training still running when the executor is killed: %s", Files.readString(log)).isTrue();
    List<ProcessHandle> executors = executors(app);
    assertThat(executors).hasSize(2);
    executors.get(0).destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String driver = driverLog(application("train-killed"));
    assertThat(p.exitValue()).as(Files.readString(log) + driver).isZero();
    assertThat(application("train-killed").getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
    assertThat(driver).as("Spark saw the executor go").containsPattern("(?i)lost executor|ExecutorLostFailure|Exit status: 137");
    double disturbed = JSON.readTree(hdfs.read("/runs/killed/metrics.json")).at("/finalEvaluation/accuracy").asDouble();
    assertThat(Math.abs(disturbed - undisturbed)).as("disturbed %s vs undisturbed %s", disturbed, undisturbed)
        .isLessThanOrEqualTo(0.01);
  }

  @Test
  @Order(5)
  void withoutTheClustersConfigurationTheLauncherSaysWhatItNeeds() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bin/score", "--master", "yarn", "--input", "x", "--model", "y")
        .directory(Commands.ROOT.toFile()).redirectErrorStream(true);
    pb.environment().remove("HADOOP_CONF_DIR");
    pb.environment().remove("YARN_CONF_DIR");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isEqualTo(2);
    assertThat(out.trim()).isEqualTo("score: --master yarn needs HADOOP_CONF_DIR (or YARN_CONF_DIR): the directory "
        + "with the cluster's core-site.xml and yarn-site.xml");
  }

  /** The executor JVMs of an application: YARN containers running Spark's executor backend for that app id. */
  private static List<ProcessHandle> executors(ApplicationReport app) {
    String id = app.getApplicationId().toString();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      // the JVMs, not the shells of YARN's launch scripts that started them
      return all.filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)
          && h.info().commandLine().map(c -> c.contains("YarnCoarseGrainedExecutorBackend") && c.contains(id))
              .orElse(false)).toList();
    }
  }
}
