package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The project's commands (bin/train, bin/score), run in child processes as a user runs them. */
final class Commands {
  static final Path ROOT = findRoot();

  private Commands() {}

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
      if (Files.isRegularFile(p.resolve("bin/train"))) return p;
    }
    throw new IllegalStateException("project root not found");
  }

  /** A finished command: its exit code, its output (stdout and stderr) and how long it took. */
  record Result(int exit, String output, double seconds) {}

  static Process start(Path log, List<String> args) throws IOException {
    return start(log, args, Map.of());
  }

  static Process start(Path log, List<String> args, Map<String, String> env) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(args)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return track(pb.start());
  }

  /** Runs to the end (at most 10 minutes). */
  static Result run(Path log, List<String> args) throws Exception {
    return run(log, args, Map.of());
  }

  /** Runs to the end (at most 10 minutes) with more environment variables. */
  static Result run(Path log, List<String> args, Map<String, String> env) throws Exception {
    long start = System.nanoTime();
    Process p = start(log, args, env);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("%s finished in time", args).isTrue();
    return new Result(
        p.exitValue(),
        Files.readString(log, StandardCharsets.UTF_8),
        (System.nanoTime() - start) / 1e9);
  }

  /** Runs to the end and expects success. */
  static String ok(Path log, List<String> args) throws Exception {
    return ok(log, args, Map.of());
  }

  static String ok(Path log, List<String> args, Map<String, String> env) throws Exception {
    Result r = run(log, args, env);
    assertThat(r.exit()).as("exit code of %s; output:%n%s", args, r.output()).isZero();
    return r.output();
  }

  /** The line that a failed job prints, "Training failed: ..." or "Scoring failed: ...". */
  static String failureLine(String output) {
    return output
        .lines()
        .filter(l -> l.startsWith("Training failed: ") || l.startsWith("Scoring failed: "))
        .findFirst()
        .orElse("(no failure line in:\n" + output + ")");
  }
}
