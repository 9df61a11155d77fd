package io.digitclassifier.storage;

import static io.digitclassifier.storage.Poll.notYet;
import static io.digitclassifier.storage.Poll.ready;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException;
import org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException;
import org.apache.hadoop.yarn.exceptions.ContainerNotFoundException;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both jobs on a real YARN (a ResourceManager and a NodeManager in this JVM, MiniYARNCluster) over
 * a real HDFS, submitted with bin/train and bin/score as a user submits them: {@code --master yarn
 * --deploy-mode cluster} with the YARN template's sizing, the driver in a container of its own,
 * data, model and output on HDFS. The NodeManager enforces physical memory as a production one
 * does, so an executor over its memoryOverhead is killed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Commands.ROOT.resolve("storage-tests/target/yarn");
  private static final Path TEMPLATE =
      Commands.ROOT.resolve("conf/templates/spark-defaults.yarn.conf");
  private static final Pattern PROGRESS = Pattern.compile("Epoch 1/1: (\\d+)/(\\d+) images");

  /**
   * What the ResourceManager answers about an application, attempt or container it has no report
   * for yet (or no longer), and a container log file gone between listing and reading: states in
   * between while polling.
   */
  private static final List<Class<? extends Throwable>> YARN_TRANSIENT =
      List.of(
          ApplicationNotFoundException.class,
          ApplicationAttemptNotFoundException.class,
          ContainerNotFoundException.class,
          NoSuchFileException.class);

  private static MiniHdfs hdfs;
  private static MiniYARNCluster yarn;
  private static YarnClient client;
  private static Path hadoopConf;
  private static double undisturbed = Double.NaN;

  @BeforeAll
  static void startYarnAndHdfs() throws Exception {
    Files.createDirectories(WORK);
    hdfs = MiniHdfs.start(WORK.resolve("dfs"));
    // the cluster's client configuration carries the tests' HDFS client settings (see MiniHdfs)
    YarnConfiguration conf = MiniHdfs.clientSettings(new YarnConfiguration());
    conf.set("fs.defaultFS", hdfs.uri);
    // one queue taking everything (hadoop-client-minicluster ships no capacity-scheduler.xml)
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
    conf.set(
        "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
    // memory as a production NodeManager enforces it: physical memory checked every second,
    // containers sized to
    // the 128 MB, not rounded up to 1 GB; 20 GB to give (the template's driver + two executors)
    conf.setBoolean("yarn.minicluster.control-resource-monitoring", true);
    conf.setBoolean("yarn.nodemanager.pmem-check-enabled", true);
    conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
    // the polling check, as on a NodeManager without cgroups (with "enforced" it leaves the job to
    // cgroups' OOM killer)
    conf.setBoolean("yarn.nodemanager.resource.memory.enforced", false);
    conf.setInt("yarn.nodemanager.container-monitor.interval-ms", 1000);
    conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 20 * 1024);
    conf.setInt("yarn.scheduler.minimum-allocation-mb", 128);
    conf.setInt("yarn.scheduler.maximum-allocation-mb", 10 * 1024);
    yarn = new MiniYARNCluster("YarnClusterTest", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    Poll.until(
        "the ResourceManager's port",
        Duration.ofSeconds(30),
        Duration.ofMillis(100),
        () -> {
          String address = yarn.getConfig().get(YarnConfiguration.RM_ADDRESS);
          return address == null || address.endsWith(":0")
              ? notYet("the ResourceManager's address is %s", address)
              : ready(address);
        });
    client = YarnClient.createYarnClient();
    client.init(yarn.getConfig());
    client.start();
    Poll.until(
        "the NodeManager running in the ResourceManager's node list",
        Duration.ofSeconds(30),
        Duration.ofMillis(200),
        YARN_TRANSIENT,
        () -> {
          List<NodeReport> nodes = client.getNodeReports();
          return nodes.stream().anyMatch(n -> n.getNodeState() == NodeState.RUNNING)
              ? ready(nodes)
              : notYet(
                  "nodes: %s",
                  nodes.stream().map(n -> n.getNodeId() + " " + n.getNodeState()).toList());
        });
    // the cluster's client configuration, as HADOOP_CONF_DIR for spark-submit (what an edge node
    // has)
    hadoopConf = WORK.resolve("hadoop-conf");
    Files.createDirectories(hadoopConf);
    for (String file : List.of("core-site.xml", "yarn-site.xml")) {
      try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(file))) {
        yarn.getConfig().writeXml(out);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) client.stop();
    if (yarn != null) yarn.stop();
    if (hdfs != null) hdfs.close();
  }

  /**
   * A submission's Spark flags: YARN in {@code mode}, the YARN template's sizing, two executors,
   * one attempt.
   */
  private static List<String> submit(String command, String mode, String name, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--master",
                "yarn",
                "--deploy-mode",
                mode,
                "--properties-file",
                TEMPLATE.toString(),
                "--num-executors",
                "2",
                "--name",
                name,
                "--conf",
                "spark.yarn.maxAppAttempts=1",
                "--conf",
                "spark.yarn.tags=" + name));
    args.addAll(List.of(more));
    return args;
  }

  /**
   * What a user with a Spark 3.5 distribution runs, {@code spark-submit --master yarn ... APP.jar},
   * with nothing of the project's launcher: SparkSubmit on the build's Spark classpath, whose jars
   * also go to YARN's containers ({@code spark.yarn.jars}, what a distribution's {@code jars/}
   * would be).
   */
  private static List<String> plainSparkSubmit(
      String mode, String name, String mainClass, String module) throws IOException {
    Path runtime = Commands.ROOT.resolve("spark-runtime/target");
    String classpath = Files.readString(runtime.resolve("spark-classpath.txt")).trim();
    List<String> args = new ArrayList<>();
    args.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    args.addAll(List.of(Files.readString(runtime.resolve("java17.options")).trim().split("\\s+")));
    args.addAll(
        List.of("-cp", hadoopConf + ":" + classpath, "org.apache.spark.deploy.SparkSubmit"));
    List<String> flags = submit("spark-submit", mode, name);
    args.addAll(flags.subList(1, flags.size()));
    String jar;
    try (Stream<Path> jars = Files.list(Commands.ROOT.resolve(module).resolve("target"))) {
      jar = jars.map(Path::toString).filter(p -> p.endsWith("-app.jar")).findFirst().orElseThrow();
    }
    args.addAll(
        List.of(
            "--conf", "spark.yarn.jars=" + classpath.replace(':', ','), "--class", mainClass, jar));
    return args;
  }

  private static List<String> train(String mode, String name, String output, String... more) {
    List<String> args =
        submit(
            "bin/train",
            mode,
            name,
            "--data",
            hdfs.uri + "/data/mnist",
            "--model",
            "lenet",
            "--limit",
            "3000",
            "--augment-copies",
            "1",
            "--epochs",
            "1",
            "--averaging-frequency",
            "5",
            "--progress-seconds",
            "1",
            "--output",
            hdfs.uri + output);
    args.addAll(List.of(more));
    return args;
  }

  /**
   * {@code spark.yarn.jars} as a cluster with Spark 3.5.9 on every node sets it: the jars where the
   * NodeManager finds them ({@code local:}), nothing uploaded (this NodeManager runs on this host).
   * The launcher's default, the jars uploaded with the application, is what the first test's
   * submissions use.
   */
  private static String localSparkJars() throws IOException {
    String classpath =
        Files.readString(Commands.ROOT.resolve("spark-runtime/target/spark-classpath.txt")).trim();
    return "local:" + String.join(",local:", classpath.split(":"));
  }

  private static Map<String, String> env() {
    return Map.of("HADOOP_CONF_DIR", hadoopConf.toString());
  }

  /**
   * The YARN application submitted with {@code spark.yarn.tags=name}, as the ResourceManager
   * reports it.
   */
  private static ApplicationReport application(String name) throws Exception {
    List<ApplicationReport> apps =
        client.getApplications(null, EnumSet.allOf(YarnApplicationState.class), Set.of(name));
    assertThat(apps).as("the application tagged " + name).hasSize(1);
    return apps.get(0);
  }

  /**
   * One look at the driver's log in cluster mode: its container's stdout and stderr, from the
   * NodeManager's log directory. Not there yet while the application has no attempt registered
   * (YARN reports a placeholder attempt, id -1, that the ResourceManager has no report for), the
   * attempt no AM container, or the container no log file.
   */
  private static Poll.Look<String> driverLog(ApplicationReport app) throws Exception {
    String where =
        app.getApplicationId()
            + " ("
            + app.getYarnApplicationState()
            + (app.getDiagnostics() == null || app.getDiagnostics().isBlank()
                ? ""
                : ": " + app.getDiagnostics().strip())
            + ")";
    ApplicationAttemptId attempt = app.getCurrentApplicationAttemptId();
    if (attempt == null || attempt.getAttemptId() <= 0) {
      return notYet("%s has no attempt registered yet (current attempt %s)", where, attempt);
    }
    ContainerId am = client.getApplicationAttemptReport(attempt).getAMContainerId();
    if (am == null) return notYet("%s: attempt %s has no AM container yet", where, attempt);
    StringBuilder out = new StringBuilder();
    boolean any = false;
    List<String> dirs =
        List.of(yarn.getNodeManager(0).getConfig().getStrings(YarnConfiguration.NM_LOG_DIRS));
    for (String dir : dirs) {
      Path container = Path.of(dir, app.getApplicationId().toString(), am.toString());
      for (String f : List.of("stdout", "stderr")) {
        if (Files.isRegularFile(container.resolve(f))) {
          out.append(Files.readString(container.resolve(f)));
          any = true;
        }
      }
    }
    if (!any)
      return notYet(
          "%s: the driver's container %s has no stdout or stderr in %s yet", where, am, dirs);
    return ready(out.toString());
  }

  /**
   * The driver's log for a message or a check after the run: the log, or (without failing) why
   * there is none.
   */
  private static String driverLogNow(ApplicationReport app) throws Exception {
    Poll.Look<String> log = Poll.once(YARN_TRANSIENT, () -> driverLog(app));
    return log.done() ? log.value() : "(no driver log: " + log.seen() + ")";
  }

  /** An application as the ResourceManager reports it, and its driver's log as far as written. */
  private record Driver(ApplicationReport app, String log) {}

  /** One look at the driver of the application tagged {@code tag}. */
  private static Poll.Look<Driver> driver(String tag) throws Exception {
    List<ApplicationReport> apps =
        client.getApplications(null, EnumSet.allOf(YarnApplicationState.class), Set.of(tag));
    if (apps.isEmpty()) return notYet("no application tagged %s in the ResourceManager yet", tag);
    ApplicationReport app = apps.get(0);
    Poll.Look<String> log = driverLog(app);
    return log.done() ? ready(new Driver(app, log.value())) : notYet(log.seen());
  }

  /**
   * Polls the driver of the application tagged {@code tag}, submitted by {@code submitter} (its
   * output in {@code submitLog}), until its log satisfies {@code until}, or the submitter has
   * ended: then the last look is returned for the caller to check (and fails here only if there is
   * no driver log at all).
   */
  private static Driver awaitDriver(
      String tag,
      Process submitter,
      Path submitLog,
      String what,
      Duration deadline,
      Predicate<String> until)
      throws Exception {
    return Poll.until(
        what + " (the driver's log of the application tagged " + tag + ")",
        deadline,
        Duration.ofMillis(500),
        YARN_TRANSIENT,
        () -> {
          boolean ended =
              !submitter.isAlive(); // before looking: that look sees all the driver wrote
          Poll.Look<Driver> look =
              ended ? Poll.once(YARN_TRANSIENT, () -> driver(tag)) : driver(tag);
          if (look.done() && (ended || until.test(look.value().log()))) return look;
          if (ended) {
            throw new AssertionError(
                String.format(
                    "the submission ended (exit %d) before %s; last saw: %s; its output:%n%s",
                    submitter.exitValue(), what, look.seen(), Files.readString(submitLog)));
          }
          if (!look.done()) return look;
          ApplicationReport app = look.value().app();
          return notYet(
              "%s (%s): the driver's log (%d chars) ends with: %s",
              app.getApplicationId(),
              app.getYarnApplicationState(),
              look.value().log().length(),
              Poll.lastLine(look.value().log()));
        });
  }

  @Test
  @Order(1)
  void trainsAndScoresInClusterModeOnHdfsWithTheTemplatesSizing() throws Exception {
    Commands.Result trained =
        Commands.run(
            WORK.resolve("train.log"), train("cluster", "train-cluster", "/runs/model"), env());
    ApplicationReport app = application("train-cluster");
    assertThat(trained.exit()).as(trained.output() + driverLogNow(app)).isZero();
    assertThat(app.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
    JsonNode metrics = JSON.readTree(hdfs.read("/runs/model/metrics.json"));
    undisturbed = metrics.at("/finalEvaluation/accuracy").asDouble();
    assertThat(undisturbed).isGreaterThan(0.85);
    assertThat(metrics.at("/cluster/master").asText()).isEqualTo("yarn");
    assertThat(metrics.at("/cluster/executors").asInt()).isEqualTo(2);
    for (String f : List.of("model.zip", "report.html", "_SUCCESS")) {
      assertThat(hdfs.exists("/runs/model/" + f)).as(f).isTrue();
    }
    assertThat(driverLogNow(app)).as("the driver ran in its container").contains("Trained");

    // scoring in cluster mode with bin/score, and in client mode with plain spark-submit and the
    // shaded jar: the
    // same model, the same answers
    for (String mode : List.of("cluster", "client")) {
      List<String> job =
          List.of(
              "--input",
              hdfs.uri + "/data/mnist/t10k-images-idx3-ubyte",
              "--model",
              hdfs.uri + "/runs/model",
              "--output",
              hdfs.uri + "/scored-" + mode,
              "--kaggle-submission",
              hdfs.uri + "/kaggle-" + mode + ".csv");
      List<String> command =
          mode.equals("cluster")
              ? submit("bin/score", mode, "score-" + mode)
              : plainSparkSubmit(
                  mode, "score-" + mode, "io.digitclassifier.scoring.ScoringJob", "scoring-job");
      command.addAll(job);
      Commands.Result scored = Commands.run(WORK.resolve("score-" + mode + ".log"), command, env());
      assertThat(scored.exit()).as(scored.output()).isZero();
      assertThat(application("score-" + mode).getFinalApplicationStatus())
          .isEqualTo(FinalApplicationStatus.SUCCEEDED);
    }
    JsonNode cluster = JSON.readTree(hdfs.read("/scored-cluster/_summary.json"));
    JsonNode client = JSON.readTree(hdfs.read("/scored-client/_summary.json"));
    assertThat(cluster.get("scored").asLong()).isEqualTo(10_000);
    assertThat(cluster.at("/evaluation/accuracy").asDouble())
        .isGreaterThan(0.85)
        .isEqualTo(client.at("/evaluation/accuracy").asDouble());
    assertThat(hdfs.read("/kaggle-cluster.csv"))
        .isEqualTo(hdfs.read("/kaggle-client.csv"))
        .startsWith("ImageId,Label\n1,");
  }

  @Test
  @Order(2)
  void aBadInputFailsTheApplicationAndTheDriversLogSaysWhy() throws Exception {
    // Kaggle's test.csv layout, 300 rows, one bad value: found by an executor, reported by the
    // driver
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
    Commands.Result r =
        Commands.run(
            WORK.resolve("bad.log"),
            submit(
                "bin/score",
                "cluster",
                "score-bad",
                "--input",
                hdfs.uri + "/data/bad.csv",
                "--model",
                hdfs.uri + "/runs/model",
                "--output",
                hdfs.uri + "/scored-bad",
                "--conf",
                "spark.yarn.jars=" + localSparkJars()),
            env());
    ApplicationReport app = application("score-bad");
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(app.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.FAILED);
    String reason =
        "Scoring failed: Cannot read "
            + hdfs.uri
            + "/data/bad.csv: line 152, column pixel9: value 'oops'";
    assertThat(driverLogNow(app))
        .as("the one-line reason in the driver's container log")
        .contains(reason);
    assertThat(app.getDiagnostics()).as("and in YARN's diagnostics").contains(reason);
    assertThat(hdfs.exists("/scored-bad")).as("no output").isFalse();
  }

  @Test
  @Order(3)
  void anExecutorOverItsMemoryOverheadIsKilledByYarnAndTheDriverSaysWhy() throws Exception {
    // a 1 GB heap made resident at start (as late in a long job) with 64 MB of overhead for
    // everything else
    Path log = WORK.resolve("overhead.log");
    Process p =
        Commands.start(
            log,
            train(
                "cluster",
                "train-overhead",
                "/runs/overhead",
                "--conf",
                "spark.executor.memory=1g",
                "--conf",
                "spark.executor.memoryOverhead=64m",
                "--conf",
                "spark.executor.extraJavaOptions=-Xms1g -XX:+AlwaysPreTouch -Dorg.bytedeco.javacpp.maxphysicalbytes=0",
                "--conf",
                "spark.yarn.jars=" + localSparkJars()),
            env());
    String killed = "Container killed by YARN for exceeding physical memory limits";
    // the application may also end by itself (too many executors lost): then its last driver log is
    // checked below
    String driver =
        awaitDriver(
                "train-overhead",
                p,
                log,
                "an executor killed by YARN",
                Duration.ofMinutes(5),
                text -> text.contains(killed))
            .log();
    ApplicationReport app = application("train-overhead");
    // Spark asks YARN for new executors, which go the same way: the operator stops the application
    client.killApplication(app.getApplicationId());
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isNotZero();
    assertThat(driver)
        .as(driver)
        .containsPattern(
            killed
                + "\\. [0-9.]+ GB of 1\\.1 GB physical memory used\\. "
                + "Consider boosting spark\\.executor\\.memoryOverhead\\.");
    assertThat(Files.readString(Commands.ROOT.resolve("storage-tests/target/hadoop.log")))
        .as("the NodeManager's own reason")
        .containsPattern("is running \\d+B beyond the 'PHYSICAL' memory limit");
    assertThat(hdfs.exists("/runs/overhead")).isFalse();
  }

  @Test
  @Order(4)
  void trainingSurvivesAnExecutorContainerKilledMidEpoch() throws Exception {
    assertThat(undisturbed).as("the undisturbed run's accuracy (first test)").isGreaterThan(0.85);
    Path log = WORK.resolve("train-killed.log");
    Process p =
        Commands.start(
            log,
            train(
                "cluster",
                "train-killed",
                "/runs/killed",
                "--conf",
                "spark.yarn.jars=" + localSparkJars()),
            env());
    ApplicationReport app =
        awaitDriver(
                "train-killed",
                p,
                log,
                "a fifth of the epoch trained",
                Duration.ofMinutes(8),
                YarnClusterTest::aFifthTrained)
            .app();
    assertThat(p.isAlive())
        .as("training still running when the executor is killed: %s", Files.readString(log))
        .isTrue();
    List<ProcessHandle> executors =
        Poll.until(
            "both executor JVMs of " + app.getApplicationId(),
            Duration.ofMinutes(2),
            Duration.ofMillis(500),
            () -> {
              List<ProcessHandle> found = executors(app);
              return found.size() == 2
                  ? ready(found)
                  : notYet(
                      "%d executor JVMs: %s",
                      found.size(), found.stream().map(ProcessHandle::pid).toList());
            });
    executors.get(0).destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String driver = driverLogNow(application("train-killed"));
    assertThat(p.exitValue()).as(Files.readString(log) + driver).isZero();
    assertThat(application("train-killed").getFinalApplicationStatus())
        .isEqualTo(FinalApplicationStatus.SUCCEEDED);
    assertThat(driver)
        .as("Spark saw the executor go")
        .containsPattern("(?i)lost executor|ExecutorLostFailure|Exit status: 137");
    double disturbed =
        JSON.readTree(hdfs.read("/runs/killed/metrics.json"))
            .at("/finalEvaluation/accuracy")
            .asDouble();
    assertThat(Math.abs(disturbed - undisturbed))
        .as("disturbed %s vs undisturbed %s", disturbed, undisturbed)
        .isLessThanOrEqualTo(0.01);
  }

  @Test
  @Order(5)
  void withoutTheClustersConfigurationTheLauncherSaysWhatItNeeds() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("bin/score", "--master", "yarn", "--input", "x", "--model", "y")
            .directory(Commands.ROOT.toFile())
            .redirectErrorStream(true);
    pb.environment().remove("HADOOP_CONF_DIR");
    pb.environment().remove("YARN_CONF_DIR");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isEqualTo(2);
    assertThat(out.trim())
        .isEqualTo(
            "score: --master yarn needs HADOOP_CONF_DIR (or YARN_CONF_DIR): the directory "
                + "with the cluster's core-site.xml and yarn-site.xml");
  }

  /** Whether the driver's last progress line says a fifth of the epoch's images are trained. */
  private static boolean aFifthTrained(String driverLog) {
    Matcher m = PROGRESS.matcher(driverLog);
    long done = 0;
    long total = 1;
    while (m.find()) {
      done = Long.parseLong(m.group(1));
      total = Long.parseLong(m.group(2));
    }
    return done * 5 >= total;
  }

  /**
   * The executor JVMs of an application: YARN containers running Spark's executor backend for that
   * app id.
   */
  private static List<ProcessHandle> executors(ApplicationReport app) {
    String id = app.getApplicationId().toString();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      // the JVMs, not the shells of YARN's launch scripts that started them
      return all.filter(
              h ->
                  h.info().command().map(c -> c.endsWith("/java")).orElse(false)
                      && h.info()
                          .commandLine()
                          .map(
                              c -> c.contains("YarnCoarseGrainedExecutorBackend") && c.contains(id))
                          .orElse(false))
          .toList();
    }
  }
}
