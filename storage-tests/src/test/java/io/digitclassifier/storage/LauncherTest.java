package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What bin/train and bin/score hand to Spark (DIGITCLASSIFIER_PRINT_COMMAND=1 prints the command
 * instead of running it): every spark-submit flag before the application jar, the master from where
 * the user set it, loopback only for masters on this machine, JAVA_OPTS split as Spark splits Java
 * options.
 */
class LauncherTest {
  @TempDir Path dir;

  private record Launch(String localIp, String libraryPath, List<String> command) {
    /** The driver JVM's options: what comes before SparkSubmit. */
    List<String> jvm() {
      return command.subList(0, command.indexOf("org.apache.spark.deploy.SparkSubmit"));
    }

    String classPath() {
      return jvm().get(jvm().indexOf("-cp") + 1);
    }

    List<String> beforeJar() {
      int jar = indexOfJar();
      return command.subList(command.indexOf("org.apache.spark.deploy.SparkSubmit") + 1, jar);
    }

    List<String> afterJar() {
      return command.subList(indexOfJar() + 1, command.size());
    }

    private int indexOfJar() {
      for (int i = 0; i < command.size(); i++) if (command.get(i).endsWith("-app.jar")) return i;
      throw new AssertionError("no application jar in " + command);
    }
  }

  private Launch launch(String script, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Commands.ROOT.resolve("bin/" + script).toString()));
    cmd.addAll(List.of(args));
    Path log = dir.resolve(script + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(Commands.ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // as a user's shell has it: no SPARK_LOCAL_IP of the test JVM's
    pb.environment().remove("SPARK_LOCAL_IP");
    pb.environment().putAll(env);
    pb.environment().put("DIGITCLASSIFIER_PRINT_COMMAND", "1");
    Process p = pb.start();
    assertThat(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    Commands.Result r = new Commands.Result(p.exitValue(), Files.readString(log), 0);
    assertThat(r.exit()).as(r.output()).isZero();
    List<String> lines = r.output().lines().toList();
    String ip =
        lines.stream()
            .filter(l -> l.startsWith("SPARK_LOCAL_IP="))
            .findFirst()
            .orElseThrow()
            .substring("SPARK_LOCAL_IP=".length());
    int at = lines.indexOf("SPARK_LOCAL_IP=" + ip);
    String libraryPath = lines.get(at + 1);
    assertThat(libraryPath).startsWith("LD_LIBRARY_PATH=");
    return new Launch(
        ip,
        libraryPath.substring("LD_LIBRARY_PATH=".length()),
        lines.subList(at + 2, lines.size()));
  }

  @Test
  void everyFlagOfSparkSubmitIsKnownToTheLauncher() throws Exception {
    String script = Files.readString(Commands.ROOT.resolve("bin/lib/spark-submit.sh"));
    Set<String> ours = new HashSet<>();
    for (String list : List.of("SPARK_VALUE_FLAGS", "SPARK_SWITCHES")) {
      Matcher m = Pattern.compile(list + "=\\(([^)]*)\\)", Pattern.DOTALL).matcher(script);
      assertThat(m.find()).as(list).isTrue();
      ours.addAll(Arrays.asList(m.group(1).trim().split("\\s+")));
    }
    // Spark's own parser, from the launcher jar on Spark's classpath
    URL launcherJar = null;
    for (String entry :
        Files.readString(Commands.ROOT.resolve("spark-runtime/target/spark-classpath.txt"))
            .trim()
            .split(":")) {
      if (entry.contains("spark-launcher_")) launcherJar = Path.of(entry).toUri().toURL();
    }
    assertThat(launcherJar).as("spark-launcher on Spark's classpath").isNotNull();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {launcherJar}, null)) {
      Class<?> parser = loader.loadClass("org.apache.spark.launcher.SparkSubmitOptionParser");
      Constructor<?> make = parser.getDeclaredConstructor();
      make.setAccessible(true);
      Object instance = make.newInstance();
      Set<String> sparks = new HashSet<>();
      for (String field : List.of("opts", "switches")) {
        Field f = parser.getDeclaredField(field);
        f.setAccessible(true);
        for (String[] names : (String[][]) f.get(instance)) sparks.addAll(Arrays.asList(names));
      }
      // the launcher's own --class; --help and --version are the job's; --usage-error is Spark's
      // internal one
      sparks.removeAll(Set.of("--class", "--help", "-h", "--version", "--usage-error"));
      assertThat(ours).containsAll(sparks);
    }
  }

  @Test
  void sparkFlagsGoToSparkAndTheRestToTheJob() throws Exception {
    Launch l =
        launch(
            "score",
            Map.of(),
            "--input",
            "in.csv",
            "--keytab",
            "a.keytab",
            "--principal=me@REALM",
            "--archives",
            "env.tgz",
            "--driver-class-path",
            "/x.jar",
            "--repositories",
            "https://repo",
            "--proxy-user",
            "bob",
            "--verbose",
            "--conf",
            "spark.x=1",
            "--output",
            "out");
    assertThat(l.beforeJar())
        .containsSubsequence("--keytab", "a.keytab")
        .containsSubsequence("--principal", "me@REALM")
        .containsSubsequence("--archives", "env.tgz")
        .containsSubsequence("--driver-class-path", "/x.jar")
        .containsSubsequence("--repositories", "https://repo")
        .containsSubsequence("--proxy-user", "bob")
        .contains("--verbose")
        .containsSubsequence("--conf", "spark.x=1");
    assertThat(l.afterJar()).containsExactly("--input", "in.csv", "--output", "out");
  }

  @Test
  void theMasterComesFromWhereTheUserSetItAndLoopbackOnlyForThisMachine() throws Exception {
    Launch local = launch("score", Map.of(), "--input", "x");
    assertThat(local.beforeJar()).containsSubsequence("--master", "local[*]");
    assertThat(local.localIp()).isEqualTo("127.0.0.1");

    Launch cluster =
        launch("score", Map.of(), "--master", "spark://127.0.0.1:7077", "--input", "x");
    assertThat(cluster.localIp()).as("this machine's bin/cluster").isEqualTo("127.0.0.1");

    Launch remote = launch("score", Map.of(), "--master", "spark://otherhost:7077", "--input", "x");
    assertThat(remote.beforeJar()).containsSubsequence("--master", "spark://otherhost:7077");
    assertThat(remote.localIp()).as("another host's master must reach this driver").isEmpty();

    Path props =
        Files.writeString(
            dir.resolve("k8s.conf"), "spark.master  k8s://https://api.example:6443\n");
    Launch fromFile =
        launch("score", Map.of(), "--properties-file", props.toString(), "--input", "x");
    assertThat(fromFile.beforeJar())
        .as("spark.master from the properties file, for Spark to read")
        .doesNotContain("--master", "local[*]")
        .containsSubsequence("--properties-file", props.toString());
    assertThat(fromFile.localIp()).isEmpty();

    Launch fromConf =
        launch(
            "train",
            Map.of(),
            "--conf",
            "spark.master=k8s://https://api.example:6443",
            "--epochs",
            "1");
    assertThat(fromConf.beforeJar()).doesNotContain("local[*]");
    assertThat(fromConf.localIp()).isEmpty();
  }

  @Test
  void javaOptsAreSplitAsSparkSplitsThemWithoutGlobbing() throws Exception {
    Files.writeString(dir.resolve("glob-me.txt"), "");
    Launch l =
        launch(
            "score",
            Map.of("JAVA_OPTS", "-Da='two words' -Db=* -Dc=\"quoted value\""),
            "--input",
            "x");
    assertThat(l.command()).contains("-Da=two words", "-Db=*", "-Dc=quoted value");
  }

  /**
   * In client mode the launcher starts the driver's JVM itself, so the driver settings spark-submit
   * would put on its command line must reach this one: from the flags, else --conf, else the
   * properties file. (Before, --driver-java-options and spark.driver.* were handed to SparkSubmit,
   * which ignores them once its JVM runs.) In cluster mode they stay Spark's.
   */
  @Test
  void driverSettingsReachTheDriverJvmInClientMode() throws Exception {
    Path props = dir.resolve("spark-defaults.conf");
    Files.writeString(
        props,
        String.join(
            "\n",
            "spark.driver.memory 3g",
            "spark.driver.extraJavaOptions -Dfrom.file=1 -Dspaced='a b'",
            "spark.driver.extraClassPath /opt/extra.jar",
            "spark.driver.extraLibraryPath /opt/native",
            ""));
    Map<String, String> env = Map.of("LD_LIBRARY_PATH", "/usr/lib/x");
    Launch fromFile = launch("score", env, "--properties-file", props.toString(), "--input", "x");
    assertThat(fromFile.jvm()).contains("-Xmx3g", "-Dfrom.file=1", "-Dspaced=a b");
    assertThat(fromFile.classPath()).startsWith("/opt/extra.jar:");
    assertThat(fromFile.libraryPath()).isEqualTo("/opt/native:/usr/lib/x");

    Launch fromConf =
        launch(
            "score",
            env,
            "--properties-file",
            props.toString(),
            "--conf",
            "spark.driver.extraJavaOptions=-Dfrom.conf=1",
            "--conf",
            "spark.driver.memory=2g",
            "--input",
            "x");
    assertThat(fromConf.jvm()).contains("-Xmx2g", "-Dfrom.conf=1").doesNotContain("-Dfrom.file=1");

    Launch fromFlags =
        launch(
            "train",
            env,
            "--properties-file",
            props.toString(),
            "--conf",
            "spark.driver.extraJavaOptions=-Dfrom.conf=1",
            "--driver-java-options",
            "-Dfrom.flag=1",
            "--driver-memory",
            "5g",
            "--driver-class-path",
            "/opt/flag.jar",
            "--driver-library-path",
            "/opt/flag-native");
    assertThat(fromFlags.jvm())
        .contains("-Xmx5g", "-Dfrom.flag=1")
        .doesNotContain("-Dfrom.conf=1", "-Dfrom.file=1", "-Xmx3g");
    assertThat(fromFlags.classPath()).startsWith("/opt/flag.jar:");
    assertThat(fromFlags.libraryPath()).isEqualTo("/opt/flag-native:/usr/lib/x");
    // and still handed to Spark, which uses them in cluster mode
    assertThat(fromFlags.beforeJar()).containsSubsequence("--driver-java-options", "-Dfrom.flag=1");

    Launch cluster =
        launch(
            "score",
            env,
            "--properties-file",
            props.toString(),
            "--master",
            "spark://10.1.2.3:7077",
            "--deploy-mode",
            "cluster",
            "--input",
            "x");
    assertThat(cluster.jvm()).doesNotContain("-Dfrom.file=1", "-Xmx3g").contains("-Xmx4g");
    assertThat(cluster.classPath()).doesNotContain("/opt/extra.jar");
    assertThat(cluster.libraryPath()).isEqualTo("/usr/lib/x");
  }

  /**
   * bin/test's clean-up (bin/lib/test-processes.sh): processes left by a run whose bin/test is gone
   * are killed, and a run's own at its end; a live run's are left alone.
   */
  @Test
  void theSuiteKillsWhatItsRunsLeaveBehind() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Process orphan = sleeper(gone.pid());
    Process live = sleeper(ProcessHandle.current().pid());
    try {
      cleanUp("--orphans");
      assertThat(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS))
          .as("the dead run's process is killed")
          .isTrue();
      assertThat(live.isAlive()).as("a live run's process stays").isTrue();
      cleanUp(String.valueOf(ProcessHandle.current().pid()));
      assertThat(live.waitFor(10, java.util.concurrent.TimeUnit.SECONDS))
          .as("the run's own process is killed")
          .isTrue();
    } finally {
      orphan.destroyForcibly();
      live.destroyForcibly();
    }
  }

  private static Process sleeper(long run) throws java.io.IOException {
    ProcessBuilder pb = new ProcessBuilder("sleep", "300");
    pb.environment().put("DIGITCLASSIFIER_TEST_RUN", String.valueOf(run));
    return pb.start();
  }

  private void cleanUp(String which) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash", "-c", "source bin/lib/test-processes.sh && kill_test_processes " + which)
            .directory(Commands.ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cleanup.log").toFile());
    pb.environment().remove("DIGITCLASSIFIER_TEST_RUN");
    Process p = pb.start();
    assertThat(p.waitFor(1, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("cleanup.log"))).isZero();
  }
}
