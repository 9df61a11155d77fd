package io.digitclassifier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The project's commands, run as a user runs them, against a standalone cluster started by bin/cluster. */
final class Cluster {
  static final Path ROOT = findRoot();
  static final Path DIR = ROOT.resolve("cluster-tests/target/cluster");
  /** Ports apart from bin/cluster's defaults, so a user's own local cluster is left alone. */
  static final int MASTER_PORT = 7177;
  static final String MASTER = "spark://127.0.0.1:" + MASTER_PORT;

  private Cluster() {}

  private static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("bin/cluster"))) return p;
    }
    throw new IllegalStateException("project root not found");
  }

  static ProcessBuilder command(List<String> args, Path log) {
    ProcessBuilder pb = new ProcessBuilder(args).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("CLUSTER_DIR", DIR.toString());
    env.put("MASTER_PORT", String.valueOf(MASTER_PORT));
    env.put("MASTER_UI_PORT", "18180");
    env.put("WORKER_UI_PORT", "18181");
    env.put("WORKER_MEMORY", "5g");
    return pb;
  }

  /** Runs to the end; returns the output. */
  static String run(Path log, String... args) throws Exception {
    Process p = command(List.of(args), log).start();
    assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("%s finished in time", List.of(args)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("exit code of %s; output:%n%s", List.of(args), out).isZero();
    return out;
  }

  static Process start(Path log, String... args) throws IOException {
    return command(List.of(args), log).start();
  }

  /** Waits until the condition holds, or fails after the timeout. */
  static void await(Duration timeout, String what, java.util.function.BooleanSupplier condition) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited too long for " + what).isLessThan(end);
      Thread.sleep(200);
    }
  }

  /** Pids of the executor JVMs that this test cluster's workers launched. */
  static List<Long> executors() {
    List<Long> pids = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(h -> {
      Optional<String> cmd = h.info().commandLine();
      if (cmd.isPresent() && cmd.get().contains("CoarseGrainedExecutorBackend") && cmd.get().contains(DIR.toString())) {
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
