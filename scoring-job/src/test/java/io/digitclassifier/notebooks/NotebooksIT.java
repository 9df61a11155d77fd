package io.digitclassifier.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Executes every notebook in {@code notebooks/} headless with {@code jupyter nbconvert --execute},
 * in name order, and fails on a non-zero exit with nbconvert's output. An integration test
 * (failsafe, after {@code package}) in this module because the notebooks call {@code bin/train} and
 * {@code bin/score}, which run the training and scoring jobs' shaded jars: by this module's
 * integration-test phase both are built. {@code bin/setup-notebooks} installs Jupyter and the
 * Python packages ({@code bin/test} runs it first).
 */
class NotebooksIT {
  /** Per notebook; they take well under a minute each on 2 cores. */
  private static final long TIMEOUT_MINUTES = 15;

  static Path projectRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("notebooks")))
        return p;
    }
    throw new IllegalStateException(
        "Cannot find the project root (mvnw and notebooks/) above " + Path.of("").toAbsolutePath());
  }

  static List<Path> notebooks() throws IOException {
    try (Stream<Path> files = Files.list(projectRoot().resolve("notebooks"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
    }
  }

  @Test
  void thereAreNotebooks() throws IOException {
    assertThat(notebooks())
        .extracting(p -> p.getFileName().toString())
        .contains(
            "01-data-and-augmentation.ipynb",
            "02-train-and-curves.ipynb",
            "03-score-and-mistakes.ipynb");
  }

  @TestFactory
  Stream<DynamicTest> everyNotebookRunsHeadless() throws IOException {
    Path root = projectRoot();
    Path out = Path.of("target", "notebooks").toAbsolutePath();
    Files.createDirectories(out);
    return notebooks().stream()
        .map(
            nb ->
                DynamicTest.dynamicTest(
                    nb.getFileName().toString(),
                    () -> {
                      String name = nb.getFileName().toString();
                      Path log = out.resolve(name.replace(".ipynb", ".log"));
                      ProcessBuilder pb =
                          new ProcessBuilder(
                                  "jupyter",
                                  "nbconvert",
                                  "--to",
                                  "notebook",
                                  "--execute",
                                  "--ExecutePreprocessor.timeout=600",
                                  "--output-dir",
                                  out.toString(),
                                  root.relativize(nb).toString())
                              .directory(root.toFile())
                              .redirectErrorStream(true)
                              .redirectOutput(log.toFile());
                      // the IPython kernel's debugger warns about frozen modules on every start:
                      // noise in the log
                      pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
                      Process p;
                      try {
                        p = pb.start();
                      } catch (IOException e) {
                        fail(
                            "Cannot run jupyter nbconvert ("
                                + e.getMessage()
                                + "): run bin/setup-notebooks to install Jupyter");
                        return;
                      }
                      long start = System.nanoTime();
                      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                        p.destroyForcibly();
                        fail(
                            name
                                + " did not finish in "
                                + TIMEOUT_MINUTES
                                + " minutes; output so far:\n"
                                + read(log));
                      }
                      String output = read(log);
                      if (p.exitValue() != 0)
                        fail(
                            name
                                + ": jupyter nbconvert exited with "
                                + p.exitValue()
                                + ":\n"
                                + output);
                      System.out.printf(
                          "%s ran in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
                      assertThat(out.resolve(name)).isRegularFile();
                    }));
  }

  private static String read(Path log) throws IOException {
    return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
  }
}
