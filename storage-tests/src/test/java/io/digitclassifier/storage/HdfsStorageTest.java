package io.digitclassifier.storage;

import static io.digitclassifier.storage.Poll.notYet;
import static io.digitclassifier.storage.Poll.ready;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.CannotObtainBlockLengthException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both jobs on a real HDFS (a NameNode and a DataNode in this JVM, on 127.0.0.1): MNIST read from
 * HDFS, the model, its checkpoints, the scored output and the Kaggle file written to it, a driver
 * killed after an epoch and resumed from the checkpoint on HDFS, a failed write that leaves
 * nothing, a NameNode that does not answer, and a training on bin/cluster's standalone cluster
 * (executors in their own JVMs) from HDFS into HDFS.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HdfsStorageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Commands.ROOT.resolve("storage-tests/target/hdfs");
  private static MiniHdfs dfs;
  private static FileSystem fs;
  private static String hdfs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Files.createDirectories(WORK);
    dfs = MiniHdfs.start(WORK.resolve("dfs"));
    fs = dfs.fs;
    hdfs = dfs.uri;
  }

  @AfterAll
  static void stopHdfs() {
    if (dfs != null) dfs.close();
  }

  private static List<String> train(String output, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "bin/train",
                "--data",
                hdfs + "/data/mnist",
                "--model",
                "lenet",
                "--limit",
                "3000",
                "--augment-copies",
                "1",
                "--epochs",
                "2",
                "--progress-seconds",
                "1",
                "--output",
                hdfs + output));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  @Order(1)
  void trainsIntoHdfsAndResumesFromItsCheckpointsAfterTheDriverIsKilled() throws Exception {
    Path log = WORK.resolve("train-killed.log");
    Process p = Commands.start(log, train("/runs/model"), dfs.env());
    org.apache.hadoop.fs.Path workMetrics =
        new org.apache.hadoop.fs.Path("/runs/.model.inprogress/metrics.json");
    // metrics.json is replaced on HDFS after each epoch (deleted, then written anew): between the
    // two it is missing,
    // then incomplete; epoch 1's is taken once it is whole
    JsonNode before =
        Poll.until(
            "epoch 1's metrics in " + workMetrics + " on HDFS",
            Duration.ofMinutes(5),
            Duration.ofMillis(200),
            List.of(FileNotFoundException.class, CannotObtainBlockLengthException.class),
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError(
                    String.format(
                        "the driver ended (exit %d) before epoch 1's metrics were on HDFS:%n%s",
                        p.exitValue(), Files.readString(log)));
              }
              if (!fs.exists(workMetrics))
                return notYet("no %s yet; the driver's last line: %s", workMetrics, lastLine(log));
              String text = read(workMetrics);
              if (!text.contains("\"epoch\" : 1"))
                return notYet("%s (%d chars) without epoch 1", workMetrics, text.length());
              try {
                return ready(JSON.readTree(text));
              } catch (JsonProcessingException e) {
                return notYet(
                    "%s still being written (%d chars): %s",
                    workMetrics, text.length(), e.getOriginalMessage());
              }
            });
    assertThat(p.isAlive())
        .as("the driver still runs after epoch 1:%n%s", Files.readString(log))
        .isTrue();
    p.destroyForcibly().waitFor();
    assertThat(
            fs.exists(
                new org.apache.hadoop.fs.Path("/runs/.model.inprogress/checkpoints/epoch-1.zip")))
        .isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/model")))
        .as("no output before the commit")
        .isFalse();

    Commands.ok(WORK.resolve("train-resumed.log"), train("/runs/model", "--resume"), dfs.env());
    JsonNode after = JSON.readTree(read(new org.apache.hadoop.fs.Path("/runs/model/metrics.json")));
    assertThat(after.get("epochs")).hasSize(2);
    assertThat(after.at("/epochs/0"))
        .as("epoch 1 kept, not trained again")
        .isEqualTo(before.at("/epochs/0"));
    assertThat(after.at("/finalEvaluation/accuracy").asDouble()).isGreaterThan(0.85);
    assertThat(after.at("/cluster/master").asText()).startsWith("local");
    for (String f : List.of("model.zip", "checkpoints/epoch-2.zip", "report.html", "_SUCCESS")) {
      assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/model/" + f))).as(f).isTrue();
    }
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/.model.inprogress"))).isFalse();
  }

  @Test
  @Order(2)
  void scoresFromHdfsIntoHdfsWithAKaggleFile() throws Exception {
    Commands.ok(
        WORK.resolve("score.log"),
        List.of(
            "bin/score",
            "--input",
            hdfs + "/data/mnist/t10k-images-idx3-ubyte",
            "--model",
            hdfs + "/runs/model",
            "--output",
            hdfs + "/scored",
            "--kaggle-submission",
            hdfs + "/kaggle/submission.csv"),
        dfs.env());
    JsonNode summary = JSON.readTree(read(new org.apache.hadoop.fs.Path("/scored/_summary.json")));
    assertThat(summary.get("scored").asLong()).isEqualTo(10_000);
    assertThat(summary.get("rejected").asLong()).isZero();
    assertThat(summary.at("/evaluation/accuracy").asDouble()).isGreaterThan(0.85);
    assertThat(summary.get("output").asText()).isEqualTo(hdfs + "/scored");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/scored/_SUCCESS"))).isTrue();
    assertThat(fs.globStatus(new org.apache.hadoop.fs.Path("/scored/part-*.parquet"))).isNotEmpty();
    List<String> kaggle =
        read(new org.apache.hadoop.fs.Path("/kaggle/submission.csv")).lines().toList();
    assertThat(kaggle).hasSize(10_001);
    assertThat(kaggle.get(0)).isEqualTo("ImageId,Label");
    assertThat(kaggle.get(1)).startsWith("1,");
  }

  /**
   * A user's own application (spark-ml's {@code UserApplication}, the README's example) submitted
   * with Spark's own SparkSubmit and one jar beside it ({@code --jars
   * digitclassifier-spark-ml-*-app.jar}): it fits a Pipeline on Parquet tables on HDFS and saves it
   * there; the saved stage then scores from HDFS through bin/score with the same accuracy, and
   * loads back in the same application.
   */
  @Test
  @Order(2)
  void aUsersSparkApplicationFitsAPipelineIntoHdfsThatBinScoreReads() throws Exception {
    Path sparkMl = Commands.ROOT.resolve("spark-ml/target");
    String appJar = glob(sparkMl, "digitclassifier-spark-ml-*-app.jar");
    String userJar = glob(sparkMl, "digitclassifier-spark-ml-*-tests.jar");
    Path runtime = Commands.ROOT.resolve("spark-runtime/target");
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(
        List.of(Files.readString(runtime.resolve("java17.options")).trim().split("\\s+")));
    command.addAll(
        List.of(
            "-Xmx2g",
            "-cp",
            // the HDFS client configuration first, as Spark's spark-submit puts HADOOP_CONF_DIR
            dfs.env().get("HADOOP_CONF_DIR")
                + ":"
                + Files.readString(runtime.resolve("spark-classpath.txt")).trim(),
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--jars",
            appJar,
            "--class",
            "io.digitclassifier.ml.example.UserApplication",
            userJar,
            hdfs + "/data/mnist",
            hdfs + "/user-app",
            "3000",
            "500"));
    String out =
        Commands.ok(
            WORK.resolve("user-app.log"), command, java.util.Map.of("SPARK_LOCAL_IP", "127.0.0.1"));
    double accuracy =
        Double.parseDouble(
            out.lines()
                .filter(l -> l.startsWith("ACCURACY "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ACCURACY line in:\n" + out))
                .substring("ACCURACY ".length()));
    assertThat(accuracy).isGreaterThan(0.8);
    org.apache.hadoop.fs.FileStatus[] stages =
        fs.listStatus(new org.apache.hadoop.fs.Path("/user-app/pipeline/stages"));
    assertThat(stages).hasSize(1);
    String stage = stages[0].getPath().toUri().getPath();
    for (String f : List.of("metadata", "model.zip", "model.onnx", "metrics.json", "_SUCCESS")) {
      assertThat(fs.exists(new org.apache.hadoop.fs.Path(stage, f))).as(f).isTrue();
    }
    Commands.ok(
        WORK.resolve("user-app-score.log"),
        List.of(
            "bin/score",
            "--input",
            hdfs + "/user-app/test.parquet",
            "--model",
            hdfs + stage,
            "--output",
            hdfs + "/user-app/scored"),
        dfs.env());
    JsonNode summary =
        JSON.readTree(read(new org.apache.hadoop.fs.Path("/user-app/scored/_summary.json")));
    assertThat(summary.get("scored").asLong()).isEqualTo(500);
    assertThat(summary.at("/evaluation/accuracy").asDouble()).isEqualTo(accuracy);
  }

  private static String glob(Path dir, String pattern) throws IOException {
    try (var files = Files.newDirectoryStream(dir, pattern)) {
      for (Path f : files) return f.toString();
    }
    throw new AssertionError(
        "no " + pattern + " in " + dir + ": build spark-ml first (./mvnw package)");
  }

  @Test
  @Order(2)
  void theCanvasServerServesTheModelFromHdfs() throws Exception {
    Path log = WORK.resolve("serve.log");
    Process p =
        Commands.start(
            log, List.of("bin/serve", "--model", hdfs + "/runs/model", "--port", "0"), dfs.env());
    try {
      java.util.regex.Pattern readyLine =
          java.util.regex.Pattern.compile("Serving (\\w+) on (\\S+) \\(ready\\)");
      java.util.regex.Matcher ready =
          Poll.until(
              "the canvas server's ready line in " + log,
              Duration.ofSeconds(120),
              Duration.ofMillis(200),
              () -> {
                String text = Files.readString(log);
                java.util.regex.Matcher m = readyLine.matcher(text);
                if (m.find()) return ready(m);
                if (!p.isAlive()) {
                  throw new AssertionError(
                      String.format(
                          "the server ended (exit %d) before it was ready:%n%s",
                          p.exitValue(), text));
                }
                return notYet("not ready yet; its last line: %s", Poll.lastLine(text));
              });
      String sha = ready.group(1);
      var client = java.net.http.HttpClient.newHttpClient();
      var health =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(ready.group(2) + "api/health"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      JsonNode body = JSON.readTree(health.body());
      assertThat(body.get("model").asText()).isEqualTo(sha);
      assertThat(sha).hasSize(64);
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(3)
  void aScoringThatFailsMidWriteLeavesNothingOnHdfs() throws Exception {
    StringBuilder csv = new StringBuilder("label");
    for (int i = 0; i < 784; i++) csv.append(",pixel").append(i);
    csv.append('\n');
    for (int row = 0; row < 200; row++) {
      csv.append(row % 10);
      for (int i = 0; i < 784; i++) csv.append(row == 150 && i == 9 ? ",oops" : ",0");
      csv.append('\n');
    }
    try (var out = fs.create(new org.apache.hadoop.fs.Path("/data/bad.csv"))) {
      out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
    }
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-bad.log"),
            List.of(
                "bin/score",
                "--input",
                hdfs + "/data/bad.csv",
                "--model",
                hdfs + "/runs/model",
                "--output",
                hdfs + "/scored-bad"),
            dfs.env());
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output()))
        .startsWith(
            "Scoring failed: Cannot read "
                + hdfs
                + "/data/bad.csv: "
                + "line 152, column pixel9: value 'oops'");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/scored-bad"))).isFalse();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/.scored-bad.inprogress"))).isFalse();
  }

  @Test
  @Order(4)
  void aNameNodeThatDoesNotAnswerFailsInSecondsWithOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String dead = "hdfs://127.0.0.1:" + closed + "/data/test.csv";
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-dead.log"),
            List.of(
                "bin/score",
                "--input",
                dead,
                "--model",
                hdfs + "/runs/model",
                "--output",
                hdfs + "/scored-dead"),
            dfs.env());
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output()))
        .startsWith("Scoring failed: Cannot read " + dead + ": ")
        .contains("Connection refused");
    assertThat(r.output()).as("one line, no stack trace").doesNotContain("\tat ");
    assertThat(r.seconds()).as("bounded retries").isLessThan(90);
  }

  @Test
  @Order(5)
  void aStandaloneClusterTrainsFromHdfsIntoHdfs() throws Exception {
    // bin/cluster's Master and two Workers, on ports apart from the defaults and from
    // cluster-tests'
    java.util.Map<String, String> env = new java.util.HashMap<>(dfs.env());
    env.putAll(
        java.util.Map.of(
            "CLUSTER_DIR",
            WORK.resolve("cluster").toString(),
            "MASTER_PORT",
            "7277",
            "MASTER_UI_PORT",
            "18280",
            "WORKER_UI_PORT",
            "18281",
            "WORKER_MEMORY",
            "4g"));
    Commands.ok(WORK.resolve("cluster-stop-before.log"), List.of("bin/cluster", "stop"), env);
    Commands.ok(WORK.resolve("cluster-start.log"), List.of("bin/cluster", "start", "2"), env);
    try {
      awaitWorkers(18280, 2);
      Commands.ok(
          WORK.resolve("train-cluster.log"),
          List.of(
              "bin/train",
              "--master",
              "spark://127.0.0.1:7277",
              "--data",
              hdfs + "/data/mnist",
              "--model",
              "lenet",
              "--limit",
              "3000",
              "--augment-copies",
              "0",
              "--epochs",
              "1",
              "--output",
              hdfs + "/runs/on-cluster"),
          dfs.env());
    } finally {
      Commands.ok(WORK.resolve("cluster-stop.log"), List.of("bin/cluster", "stop"), env);
    }
    JsonNode metrics =
        JSON.readTree(read(new org.apache.hadoop.fs.Path("/runs/on-cluster/metrics.json")));
    assertThat(metrics.at("/cluster/master").asText()).isEqualTo("spark://127.0.0.1:7277");
    assertThat(metrics.at("/cluster/executors").asInt()).isEqualTo(2);
    assertThat(metrics.at("/finalEvaluation/accuracy").asDouble()).isGreaterThan(0.8);
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/on-cluster/_SUCCESS"))).isTrue();
  }

  /**
   * Waits until the standalone Master (web UI on {@code uiPort}) counts {@code n} workers alive:
   * bin/cluster start gives up waiting for their registration after a while, and a job submitted
   * before would run on fewer executors.
   */
  private static void awaitWorkers(int uiPort, int n) throws Exception {
    var http =
        java.net.http.HttpClient.newBuilder()
            .followRedirects(java.net.http.HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + uiPort + "/json/"))
            .timeout(Duration.ofSeconds(10))
            .build();
    Poll.until(
        n + " workers alive in the standalone Master (http://127.0.0.1:" + uiPort + "/json/)",
        Duration.ofMinutes(2),
        Duration.ofMillis(500),
        List.of(ConnectException.class, java.net.http.HttpTimeoutException.class),
        () -> {
          var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() != 200)
            return notYet("HTTP %d from the Master's UI", response.statusCode());
          JsonNode state = JSON.readTree(response.body());
          int alive = state.path("aliveworkers").asInt();
          return alive >= n
              ? ready(alive)
              : notYet("%d workers alive: %s", alive, state.path("workers"));
        });
  }

  /** A log's last line, or what there is instead, for a poll's description. */
  private static String lastLine(Path log) {
    try {
      return Poll.lastLine(Files.readString(log));
    } catch (IOException e) {
      return "(" + log + " unreadable: " + e.getMessage() + ")";
    }
  }

  private static String read(org.apache.hadoop.fs.Path p) throws IOException {
    return dfs.read(p.toString());
  }
}
