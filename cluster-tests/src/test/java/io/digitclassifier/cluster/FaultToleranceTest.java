package io.digitclassifier.cluster;

import static io.digitclassifier.cluster.Poll.notYet;
import static io.digitclassifier.cluster.Poll.ready;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.digitclassifier.storage.LocalFiles;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both jobs on a real Spark standalone cluster (a Master and 2 Workers of 1 core on 127.0.0.1,
 * started by bin/cluster), submitted through bin/train and bin/score, surviving what clusters do: a
 * lost executor during training and during scoring, and a lost driver followed by --resume.
 */
class FaultToleranceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROGRESS = Pattern.compile("Epoch 1/1: (\\d+)/(\\d+) images");
  static Path out;

  @BeforeAll
  static void startCluster() throws Exception {
    out = Files.createDirectories(Cluster.ROOT.resolve("cluster-tests/target/runs"));
    // An earlier run's resumed model would pass for one this run wrote too early: start without it.
    for (String leftover : List.of("resumed", ".resumed.inprogress"))
      LocalFiles.deleteRecursively(out.resolve(leftover));
    Cluster.run(out.resolve("cluster-stop-before.log"), "bin/cluster", "stop");
    Cluster.run(out.resolve("cluster-start.log"), "bin/cluster", "start", "2");
    Cluster.awaitWorkers(2);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    Cluster.run(out.resolve("cluster-stop.log"), "bin/cluster", "stop");
    // the executors' JVMs take a moment to exit after their workers killed them
    Cluster.awaitExecutors(0, "none left after bin/cluster stop");
  }

  /**
   * A short LeNet training on the cluster: 1 epoch of 3,000 images x 4 (3 augmented copies), unless
   * {@code more} says otherwise.
   */
  private static String[] train(String output, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "bin/train",
                "--master",
                Cluster.MASTER,
                "--model",
                "lenet",
                "--limit",
                "3000",
                "--averaging-frequency",
                "5",
                "--progress-seconds",
                "1",
                "--output",
                out.resolve(output).toString(),
                "--overwrite"));
    if (!List.of(more).contains("--augment-copies")) args.addAll(List.of("--augment-copies", "3"));
    if (!List.of(more).contains("--epochs")) args.addAll(List.of("--epochs", "1"));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  /**
   * Each executor picked ND4J's natives itself, logged the choice in its own log and reported it to
   * the driver, which recorded it in metrics.json; all on this one host, so all the same build as
   * the driver's.
   */
  private static void assertEveryExecutorPickedItsNatives(JsonNode metrics) throws Exception {
    JsonNode natives = metrics.get("natives");
    String build = natives.at("/driver/build").textValue();
    assertThat(build).startsWith("linux-x86_64");
    JsonNode executors = natives.get("executors");
    assertThat(executors.size()).as("executors in %s", natives).isEqualTo(2);
    executors.forEach(
        e -> assertThat(e.textValue()).startsWith(build + ", ").contains("(chosen from the CPU, "));
    // this application's executor logs: work/worker-N/APP-ID/EXECUTOR-ID/stderr
    String app = metrics.at("/cluster/applicationId").textValue();
    assertThat(app).startsWith("app-");
    assertThat(metrics.at("/cluster/executors").asInt()).isEqualTo(2);
    List<Path> logs;
    try (var files = Files.walk(Cluster.DIR.resolve("work"))) {
      logs =
          files
              .filter(
                  f ->
                      f.getFileName().toString().equals("stderr")
                          && f.getParent().getParent().getFileName().toString().equals(app))
              .toList();
    }
    assertThat(logs).as("executor logs").hasSizeGreaterThanOrEqualTo(2);
    for (Path log : logs) {
      assertThat(Cluster.read(log))
          .as(log.toString())
          .containsPattern(
              "Executor \\d+: ND4J natives loaded: "
                  + Pattern.quote(build)
                  + ", (no )?oneDNN on \\S+ \\(chosen from the CPU, ");
    }
  }

  private static JsonNode metrics(String output) throws Exception {
    return JSON.readTree(out.resolve(output).resolve("metrics.json").toFile());
  }

  private static Path undisturbedDir;

  /**
   * The undisturbed training on the cluster, run once: the reference of the lost-executor training
   * and the model of the lost-executor scoring, whichever test comes first.
   */
  private static synchronized Path undisturbedModel() throws Exception {
    if (undisturbedDir == null) {
      Cluster.run(out.resolve("undisturbed.log"), train("undisturbed"));
      assertEveryExecutorPickedItsNatives(metrics("undisturbed"));
      undisturbedDir = out.resolve("undisturbed");
    }
    return undisturbedDir;
  }

  @Test
  void trainingSurvivesALostExecutorWithinOnePointOfAnUndisturbedRun() throws Exception {
    undisturbedModel();
    double undisturbed = metrics("undisturbed").at("/finalEvaluation/accuracy").asDouble();

    Path log = out.resolve("disturbed.log");
    Process p = Cluster.start(log, train("disturbed"));
    // kill an executor once a fifth of the epoch is trained: mid-training, with cached minibatches
    // on it
    Poll.until(
        "training to be 20% done (" + log + ")",
        Duration.ofMinutes(5),
        Duration.ofMillis(200),
        () -> {
          String text = Cluster.read(log);
          Matcher m = PROGRESS.matcher(text);
          long done = 0;
          long total = 1;
          String progress = null;
          while (m.find()) {
            done = Long.parseLong(m.group(1));
            total = Long.parseLong(m.group(2));
            progress = m.group();
          }
          if (done * 5 >= total) return ready(done);
          if (!p.isAlive()) {
            throw new AssertionError(
                String.format(
                    "the training ended (exit %d) before 20%% was done:%n%s", p.exitValue(), text));
          }
          return progress == null
              ? notYet("no progress line yet; the last line: %s", Poll.lastLine(text))
              : notYet("progress %s", progress);
        });
    assertThat(p.isAlive()).as("training still running when the executor is killed").isTrue();
    List<Long> executors = Cluster.awaitExecutors(2, "the disturbed run's, before one is killed");
    Cluster.kill(executors.get(0));
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String output = Cluster.read(log);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output)
        .as("Spark saw the executor go")
        .containsPattern("(?i)lost executor|ExecutorLostFailure|executor .* exited");
    double disturbed = metrics("disturbed").at("/finalEvaluation/accuracy").asDouble();
    assertThat(undisturbed).isGreaterThan(0.85);
    assertThat(Math.abs(disturbed - undisturbed))
        .as("disturbed %s vs undisturbed %s", disturbed, undisturbed)
        .isLessThanOrEqualTo(0.01);
  }

  @Test
  void aKilledDriverResumesFromTheLastCheckpointWithoutRepeatingOrLosingAnEpoch() throws Exception {
    Path log = out.resolve("driver-killed.log");
    Path work = out.resolve(".resumed.inprogress");
    Process p = Cluster.start(log, train("resumed", "--epochs", "2"));
    // after epoch 1's checkpoint and metrics are written, the driver dies
    Path workMetrics = work.resolve("metrics.json");
    JsonNode before =
        Poll.until(
            "epoch 1's metrics in " + workMetrics,
            Duration.ofMinutes(5),
            Duration.ofMillis(200),
            List.of(NoSuchFileException.class),
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError(
                    String.format(
                        "the driver ended (exit %d) before epoch 1's metrics:%n%s",
                        p.exitValue(), Cluster.read(log)));
              }
              if (!Files.exists(workMetrics))
                return notYet(
                    "no %s yet; the driver's last line: %s",
                    workMetrics, Poll.lastLine(Cluster.read(log)));
              String text = Files.readString(workMetrics);
              if (!text.contains("\"epoch\" : 1"))
                return notYet("%s (%d chars) without epoch 1", workMetrics, text.length());
              try {
                return ready(JSON.readTree(text));
              } catch (JsonProcessingException e) {
                return notYet(
                    "%s incomplete (%d chars): %s",
                    workMetrics, text.length(), e.getOriginalMessage());
              }
            });
    assertThat(p.isAlive()).isTrue();
    p.destroyForcibly();
    p.waitFor(1, TimeUnit.MINUTES);
    assertThat(out.resolve("resumed")).doesNotExist();
    assertThat(work.resolve("checkpoints/epoch-1.zip")).exists();

    String resumed = Cluster.run(out.resolve("resume.log"), resumeArgs());
    assertThat(resumed).contains("Resuming from checkpoint epoch-1.zip");
    JsonNode after = metrics("resumed");
    assertThat(after.at("/epochs").size()).isEqualTo(2);
    assertThat(after.at("/epochs/0/epoch").asInt()).isEqualTo(1);
    assertThat(after.at("/epochs/1/epoch").asInt()).isEqualTo(2);
    assertThat(after.at("/epochs/0")).isEqualTo(before.at("/epochs/0"));
    assertThat(resumed).doesNotContain("Epoch 1/2:").contains("Epoch 2/2:");
  }

  private static String[] resumeArgs() {
    List<String> args = new java.util.ArrayList<>(List.of(train("resumed", "--epochs", "2")));
    args.remove("--overwrite");
    args.add("--resume");
    return args.toArray(new String[0]);
  }

  @Test
  void scoringSurvivesALostExecutorWithEveryRowExactlyOnce() throws Exception {
    Path model = undisturbedModel();
    Path scored = out.resolve("scored");
    Path work = out.resolve(".scored.inprogress");
    Path log = out.resolve("scoring.log");
    // batch size 1 and 20 partitions make scoring slow enough to lose an executor in the middle of
    // it
    Process p =
        Cluster.start(
            log,
            "bin/score",
            "--master",
            Cluster.MASTER,
            "--input",
            "data/mnist/t10k-images-idx3-ubyte",
            "--model",
            model.toString(),
            "--output",
            scored.toString(),
            "--overwrite",
            "--output-format",
            "csv",
            "--batch-size",
            "1",
            "--partitions",
            "20");
    // task outputs are renamed as tasks commit: a folder listed may be gone when walked into
    long parts =
        Poll.<Long>until(
            "the first scored partitions under " + work,
            Duration.ofMinutes(5),
            Duration.ofMillis(200),
            List.of(NoSuchFileException.class),
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError(
                    String.format(
                        "the scoring ended (exit %d) before 2 partitions were scored:%n%s",
                        p.exitValue(), Cluster.read(log)));
              }
              long committed = committedParts(work);
              return committed >= 2
                  ? ready(committed)
                  : notYet(
                      "%d part files; the scoring's last line: %s",
                      committed, Poll.lastLine(Cluster.read(log)));
            });
    assertThat(p.isAlive()).as(Cluster.read(log)).isTrue();
    assertThat(parts).isLessThan(20);
    List<Long> executors =
        Poll.until(
            "an executor of the scoring to kill",
            Duration.ofMinutes(2),
            Duration.ofMillis(500),
            () -> {
              List<Long> found = Cluster.executors();
              return found.isEmpty() ? notYet("no executor JVM yet") : ready(found);
            });
    Cluster.kill(executors.get(0));
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String output = Cluster.read(log);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).containsPattern("(?i)lost executor|ExecutorLostFailure|executor .* exited");

    Set<Long> ids = new HashSet<>();
    long rows = 0;
    try (Stream<Path> files = Files.list(scored)) {
      for (Path f :
          (Iterable<Path>)
              files.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        List<String> lines = Files.readAllLines(f);
        for (String line : lines.subList(1, lines.size())) {
          rows++;
          ids.add(Long.parseLong(line.substring(0, line.indexOf(','))));
        }
      }
    }
    assertThat(rows).isEqualTo(10_000);
    assertThat(ids).hasSize(10_000);
    JsonNode summary = JSON.readTree(scored.resolve("_summary.json").toFile());
    assertThat(summary.get("read").asLong()).isEqualTo(10_000);
    assertThat(summary.get("scored").asLong()).isEqualTo(10_000);
  }

  /** Task outputs committed so far under the job's temporary directory. */
  private static long committedParts(Path work) throws java.io.IOException {
    Path scored = work.resolve("scored");
    if (!Files.isDirectory(scored)) return 0;
    try (Stream<Path> files = Files.walk(scored)) {
      return files.filter(f -> f.getFileName().toString().startsWith("part-")).count();
    }
  }
}
