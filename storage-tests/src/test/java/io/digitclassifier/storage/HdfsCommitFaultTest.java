package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer JVM killed at each named step of {@link AtomicOutput}'s begin, publish and commit on a
 * real HDFS (a NameNode and a DataNode in this JVM): what a reader sees right after the kill, and
 * what the next run makes of it (the local-disk twin is model's {@code AtomicOutputFaultTest}; here
 * the job's files go through {@code publish}'s upload, which the local disk skips). The writer is
 * halted by {@code -Ddigitclassifier.test.haltAt}.
 */
class HdfsCommitFaultTest {
  private static final Path WORK = Commands.ROOT.resolve("storage-tests/target/hdfs-faults");
  private static MiniHdfs dfs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Files.createDirectories(WORK);
    dfs = MiniHdfs.start(WORK.resolve("dfs"));
  }

  @AfterAll
  static void stopHdfs() {
    if (dfs != null) dfs.close();
  }

  /**
   * The writer: replaces {@code args[0]}'s output with one whose part file says "new", publishing
   * it before the commit as a training publishes each checkpoint.
   */
  public static void main(String[] args) throws Exception {
    AtomicOutput out =
        AtomicOutput.begin(
            args[0], new Configuration(), true, false, OutputLock.describe("fault test writer"));
    Files.writeString(out.local().resolve("part-0"), "new");
    out.publish("part-0");
    out.commit();
  }

  private static String read(String path) throws Exception {
    try (var in = dfs.fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"locked", "uploaded", "marked", "renamed-old", "renamed-new"})
  void aKillAtEachStepLeavesAReadableOutputOnHdfsAndTheNextRunRecovers(String point)
      throws Exception {
    FileSystem fs = dfs.fs;
    String dir = "/faults/" + point;
    String uri = dfs.uri + dir + "/out";
    AtomicOutput first = AtomicOutput.begin(uri, new Configuration(), false, false, "first");
    Files.writeString(first.local().resolve("part-0"), "old");
    first.commit();
    assertThat(read(dir + "/out/part-0")).isEqualTo("old");

    Path log = WORK.resolve(point + ".log");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(javaBin));
    // the Java 17 module flags this test JVM runs with (Hadoop's client reflects into the JDK as
    // Spark does)
    String java17 = System.getProperty("spark.java17.options", "").trim();
    if (!java17.isEmpty()) command.addAll(List.of(java17.split("\\s+")));
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "-Ddigitclassifier.test.haltAt=" + point,
            HdfsCommitFaultTest.class.getName(),
            uri));
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(Files.readString(log)).isEqualTo(137);

    // what a reader sees right after the kill
    switch (point) {
      case "locked", "marked" -> {
        assertThat(read(dir + "/out/part-0")).isEqualTo("old");
        assertThat(dfs.exists(dir + "/out/_SUCCESS")).isTrue();
      }
      case "uploaded" -> {
        // the new part file's bytes sit under a hidden name in the hidden work directory: no reader
        // takes them
        assertThat(read(dir + "/out/part-0")).isEqualTo("old");
        assertThat(dfs.exists(dir + "/out/_SUCCESS")).isTrue();
        assertThat(read(dir + "/.out.inprogress/.part-0.tmp")).isEqualTo("new");
        assertThat(dfs.exists(dir + "/.out.inprogress/part-0")).isFalse();
      }
      case "renamed-old" -> {
        // between the two renames: no output at NAME, the old one whole beside it until the next
        // run puts it back
        assertThat(dfs.exists(dir + "/out")).isFalse();
        assertThat(read(dir + "/.out.old/part-0")).isEqualTo("old");
      }
      default -> {
        assertThat(read(dir + "/out/part-0")).isEqualTo("new");
        assertThat(dfs.exists(dir + "/out/_SUCCESS")).isTrue();
      }
    }
    // the dead writer's lease is still there: it ran on this host and its process is gone, so the
    // next run takes
    // it over at once
    assertThat(dfs.exists(dir + "/.out.lock")).isTrue();

    // the next run puts the old output back (or keeps the new one), then fails: the output is whole
    // either way
    AtomicOutput next = AtomicOutput.begin(uri, new Configuration(), true, false, "next");
    next.abort();
    assertThat(read(dir + "/out/part-0")).isEqualTo(point.equals("renamed-new") ? "new" : "old");
    assertThat(dfs.exists(dir + "/out/_SUCCESS")).isTrue();
    assertThat(fs.listStatus(new org.apache.hadoop.fs.Path(dir)))
        .extracting(s -> s.getPath().getName())
        .containsExactly("out");
  }
}
