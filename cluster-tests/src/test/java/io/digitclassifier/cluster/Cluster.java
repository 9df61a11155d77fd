package io.digitclassifier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The project's commands, run as a user runs them, against a standalone cluster started by
 * bin/cluster.
 */
final class Cluster {
  static final Path ROOT = findRoot();
  static final Path DIR = ROOT.resolve("cluster-tests/target/cluster");

  /** Ports apart from bin/cluster's defaults, so a user's own local cluster is left alone. */
  static final int MASTER_PORT = 7177;

  static final String MASTER = "spark://127.0.0.1:" + MASTER_PORT;
  static final int MASTER_UI_PORT = 18180;

  private Cluster() {}

  /**
   * Processes started here: killed with everything they started when this JVM exits (bin/test kills
   * what escapes).
   */
  private static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    STARTED.forEach(
                        p -> {
                          p.descendants().forEach(ProcessHandle::destroyForcibly);
                          p.destroyForcibly();
                        })));
  }

  private static Process track(Process p) {
    STARTED.add(p);
    return p;
  }

  private static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("bin/cluster"))) return p;
    }
    throw new IllegalStateException("project root not found");
  }

  static ProcessBuilder command(List<String> args, Path log) {
    ProcessBuilder pb =
        new ProcessBuilder(args)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("CLUSTER_DIR", DIR.toString());
    env.put("MASTER_PORT", String.valueOf(MASTER_PORT));
    env.put("MASTER_UI_PORT", String.valueOf(MASTER_UI_PORT));
    env.put("WORKER_UI_PORT", "18181");
    env.put("WORKER_MEMORY", "5g");
    return pb;
  }

  /** Runs to the end; returns the output. */
  static String run(Path log, String... args) throws Exception {
    Process p = track(command(List.of(args), log).start());
    assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("%s finished in time", List.of(args)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("exit code of %s; output:%n%s", List.of(args), out).isZero();
    return out;
  }

  static Process start(Path log, String... args) throws IOException {
    return track(command(List.of(args), log).start());
  }

  /**
   * Waits until the Master counts {@code n} workers alive (its web UI's JSON): bin/cluster start
   * gives up waiting for their registration after a while, and a job submitted before would run on
   * fewer executors.
   */
  static void awaitWorkers(int n) throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    URI json = URI.create("http://127.0.0.1:" + MASTER_UI_PORT + "/json/");
    HttpRequest request = HttpRequest.newBuilder(json).timeout(Duration.ofSeconds(10)).build();
    ObjectMapper mapper = new ObjectMapper();
    Poll.until(
        n + " workers alive in the Master (" + json + ")",
        Duration.ofMinutes(2),
        Duration.ofMillis(500),
        List.of(ConnectException.class, HttpTimeoutException.class),
        () -> {
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() != 200)
            return Poll.notYet("HTTP %d from the Master's UI", response.statusCode());
          JsonNode state = mapper.readTree(response.body());
          int alive = state.path("aliveworkers").asInt();
          return alive >= n
              ? Poll.ready(alive)
              : Poll.notYet("%d workers alive: %s", alive, state.path("workers"));
        });
  }

  /**
   * Waits until exactly {@code n} executor JVMs of this test cluster run (see {@link
   * #executors()}), and returns them.
   */
  static List<Long> awaitExecutors(int n, String what) throws Exception {
    return Poll.until(
        n + " executor JVMs (" + what + ")",
        Duration.ofMinutes(2),
        Duration.ofMillis(500),
        () -> {
          List<Long> pids = executors();
          return pids.size() == n
              ? Poll.ready(pids)
              : Poll.notYet("%d executor JVMs: %s", pids.size(), pids);
        });
  }

  /** Pids of the executor JVMs that this test cluster's workers launched. */
  static List<Long> executors() {
    List<Long> pids = new ArrayList<>();
    ProcessHandle.allProcesses()
        .forEach(
            h -> {
              Optional<String> cmd = h.info().commandLine();
              if (cmd.isPresent()
                  && cmd.get().contains("CoarseGrainedExecutorBackend")
                  && cmd.get().contains(DIR.toString())) {
                pids.add(h.pid());
              }
            });
    return pids;
  }

  static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
