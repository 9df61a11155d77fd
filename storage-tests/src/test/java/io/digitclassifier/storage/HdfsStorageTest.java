package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both jobs on a real HDFS (a NameNode and a DataNode in this JVM, on 127.0.0.1): MNIST read from HDFS, the model,
 * its checkpoints, the scored output and the Kaggle file written to it, a driver killed after an epoch and resumed
 * from the checkpoint on HDFS, a failed write that leaves nothing, a NameNode that does not answer, and a training
 * on bin/cluster's standalone cluster (executors in their own JVMs) from HDFS into HDFS.
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
    List<String> args = new ArrayList<>(List.of("bin/train", "--data", hdfs + "/data/mnist", "--model", "lenet",
        "--limit", "3000", "--augment-copies", "1", "--epochs", "2", "--progress-seconds", "1",
        "--output", hdfs + output));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  @Order(1)
  void trainsIntoHdfsAndResumesFromItsCheckpointsAfterTheDriverIsKilled() throws Exception {
    Path log = WORK.resolve("train-killed.log");
    Process p = Commands.start(log, train("/runs/model"));
    org.apache.hadoop.fs.Path workMetrics = new org.apache.hadoop.fs.Path("/runs/.model.inprogress/metrics.json");
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!(fs.exists(workMetrics) && read(workMetrics).contains("\"epoch\" : 1")) && p.isAlive()) {
      assertThat(System.nanoTime()).as("epoch 1's metrics on HDFS in time").isLessThan(end);
      Thread.sleep(200);
    }
    assertThat(p.isAlive()).as("the driver still runs after epoch 1:%n%s", Files.readString(log)).isTrue();
    p.destroyForcibly().waitFor();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/.model.inprogress/checkpoints/epoch-1.zip"))).isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/model"))).as("no output before the commit").isFalse();
    JsonNode before = JSON.readTree(read(workMetrics));

    Commands.ok(WORK.resolve("train-resumed.log"), train("/runs/model", "--resume"));
    JsonNode after = JSON.readTree(read(new org.apache.hadoop.fs.Path("/runs/model/metrics.json")));
    assertThat(after.get("epochs")).hasSize(2);
    assertThat(after.at("/epochs/0")).as("epoch 1 kept, not trained again").isEqualTo(before.at("/epochs/0"));
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
    Commands.ok(WORK.resolve("score.log"), List.of("bin/score", "--input",
        hdfs + "/data/mnist/t10k-images-idx3-ubyte", "--model", hdfs + "/runs/model", "--output", hdfs + "/scored",
        "--kaggle-submission", hdfs + "/kaggle/submission.csv"));
    JsonNode summary = JSON.readTree(read(new org.apache.hadoop.fs.Path("/scored/_summary.json")));
    assertThat(summary.get("scored").asLong()).isEqualTo(10_000);
    assertThat(summary.get("rejected").asLong()).isZero();
    assertThat(summary.at("/evaluation/accuracy").asDouble()).isGreaterThan(0.85);
    assertThat(summary.get("output").asText()).isEqualTo(hdfs + "/scored");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/scored/_SUCCESS"))).isTrue();
    assertThat(fs.globStatus(new org.apache.hadoop.fs.Path("/scored/part-*.parquet"))).isNotEmpty();
    List<String> kaggle = read(new org.apache.hadoop.fs.Path("/kaggle/submission.csv")).lines().toList();
    assertThat(kaggle).hasSize(10_001);
    assertThat(kaggle.get(0)).isEqualTo("ImageId,Label");
    assertThat(kaggle.get(1)).startsWith("1,");
  }

  @Test
  @Order(2)
  void theCanvasServerServesTheModelFromHdfs() throws Exception {
    Path log = WORK.resolve("serve.log");
    Process p = Commands.start(log, List.of("bin/serve", "--model", hdfs + "/runs/model", "--port", "0"));
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      java.util.regex.Matcher ready = null;
      while (ready == null || !ready.find()) {
        assertThat(p.isAlive()).as("the server runs:%n%s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("the server ready in time").isLessThan(end);
        Thread.sleep(200);
        ready = java.util.regex.Pattern.compile("Serving (\\w+) on (\\S+) \\(ready\\)").matcher(Files.readString(log));
      }
      String sha = ready.group(1);
      var client = java.net.http.HttpClient.newHttpClient();
      var health = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ready.group(2) + "api/health"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
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
    Commands.Result r = Commands.run(WORK.resolve("score-bad.log"), List.of("bin/score", "--input",
        hdfs + "/data/bad.csv", "--model", hdfs + "/runs/model", "--output", hdfs + "/scored-bad"));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output())).startsWith("Scoring failed: Cannot read " + hdfs + "/data/bad.csv: "
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
    Commands.Result r = Commands.run(WORK.resolve("score-dead.log"), List.of("bin/score", "--input", dead, "--model",
        hdfs + "/runs/model", "--output", hdfs + "/scored-dead"));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output())).startsWith("Scoring failed: Cannot read " + dead + ": ")
        .contains("Connection refused");
    assertThat(r.output()).as("one line, no stack trace").doesNotContain("\tat ");
    assertThat(r.seconds()).as("bounded retries").isLessThan(90);
  }

  @Test
  @Order(5)
  void aStandaloneClusterTrainsFromHdfsIntoHdfs() throws Exception {
    // bin/cluster's Master and two Workers, on ports apart from the defaults and from cluster-tests'
    java.util.Map<String, String> env = java.util.Map.of("CLUSTER_DIR", WORK.resolve("cluster").toString(),
        "MASTER_PORT", "7277", "MASTER_UI_PORT", "18280", "WORKER_UI_PORT", "18281", "WORKER_MEMORY", "4g");
    Commands.ok(WORK.resolve("cluster-stop-before.log"), List.of("bin/cluster", "stop"), env);
    Commands.ok(WORK.resolve("cluster-start.log"), List.of("bin/cluster", "start", "2"), env);
    try {
      Commands.ok(WORK.resolve("train-cluster.log"), List.of("bin/train", "--master", "spark://127.0.0.1:7277",
          "--data", hdfs + "/data/mnist", "--model", "lenet", "--limit", "3000", "--augment-copies", "0", "--epochs",
          "1", "--output", hdfs + "/runs/on-cluster"));
    } finally {
      Commands.ok(WORK.resolve("cluster-stop.log"), List.of("bin/cluster", "stop"), env);
    }
    JsonNode metrics = JSON.readTree(read(new org.apache.hadoop.fs.Path("/runs/on-cluster/metrics.json")));
    assertThat(metrics.at("/cluster/master").asText()).isEqualTo("spark://127.0.0.1:7277");
    assertThat(metrics.at("/cluster/executors").asInt()).isEqualTo(2);
    assertThat(metrics.at("/finalEvaluation/accuracy").asDouble()).isGreaterThan(0.8);
    assertThat(fs.exists(new org.apache.hadoop.fs.Path("/runs/on-cluster/_SUCCESS"))).isTrue();
  }

  private static String read(org.apache.hadoop.fs.Path p) throws IOException {
    return dfs.read(p.toString());
  }
}
