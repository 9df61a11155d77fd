package io.digitclassifier.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each build in a fresh JVM, as a job's driver or executor starts: forced through JavaCPP's
 * property, chosen automatically on this host, and chosen for other CPUs (this host's /proc/cpuinfo
 * with flags taken out, so an AVX-512 host shows what an AVX2 or an older host gets). Every JVM
 * that loads a build also fits a minibatch. And ONNX Runtime's predictions on an emulated AVX2 CPU,
 * against DL4J's.
 */
class NativeBuildChildJvmTest {
  private static final Pattern PROBE =
      Pattern.compile(
          "PROBE build=(\\S+) oneDnn=(\\S+) dl4jOneDnn=(\\S+) helper=(\\S+) scoreBefore=(\\S+) scoreAfter=(\\S+)");
  private static final List<String> AVX512 =
      List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
  private static final List<String> HASWELL =
      List.of("avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm");
  private static final Set<String> HOST_FLAGS = hostFlags();
  private static final String QEMU = "/usr/bin/qemu-x86_64";
  private static final Pattern ORT_PROBE =
      Pattern.compile("ORT model=(\\d+) level=(\\S+) digit=(\\d+) p=(\\S+)");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"-onednn-avx2", ""})
  void eachShippedBuildForcedThroughThePropertyLoadsAndFits(String extension) throws Exception {
    assumeTrue(
        HOST_FLAGS.containsAll(extension.contains("avx2") ? HASWELL : List.of()),
        "this CPU cannot run " + extension);
    Probe p = probe(extension, null);
    assertThat(p.build).isEqualTo("linux-x86_64" + extension);
    boolean oneDnn = extension.contains("onednn");
    assertThat(p.oneDnn).as("the loaded library's build info").isEqualTo(oneDnn);
    assertThat(p.dl4jOneDnn)
        .as("DL4J's oneDNN check, through the Nd4jCpu bridge")
        .isEqualTo(oneDnn);
    assertThat(p.helper).as("a oneDNN helper on the convolution").isEqualTo(oneDnn);
    assertThat(p.scoreAfter).as("one step of Adam lowers the loss").isLessThan(p.scoreBefore);
    assertThat(p.log)
        .contains(
            "ND4J natives: linux-x86_64"
                + extension
                + " (set by -D"
                + NativeBuild.PROPERTY
                + "="
                + extension
                + ")");
  }

  @Test
  void theAutomaticChoiceIsTheBuildThisHostsFlagsCallFor() throws Exception {
    // the build carries no avx512 build: oneDNN inside the avx2 one uses AVX-512 where the CPU has
    // it
    String expected = HOST_FLAGS.containsAll(HASWELL) ? "linux-x86_64-onednn-avx2" : "linux-x86_64";
    Probe p = probe(null, null);
    assertThat(p.build).isEqualTo(expected);
    assertThat(p.log).contains("ND4J natives: " + expected + " (chosen from the CPU, ");
    assertThat(p.scoreAfter).isLessThan(p.scoreBefore);
  }

  @Test
  void aHostWithoutAvx512GetsTheAvx2Build() throws Exception {
    assumeTrue(HOST_FLAGS.containsAll(HASWELL), "this CPU has no AVX2");
    Probe p = probe(null, cpuinfoWithout(AVX512));
    assertThat(p.build).isEqualTo("linux-x86_64-onednn-avx2");
    assertThat(p.oneDnn).isTrue();
    assertThat(p.helper).isTrue();
    assertThat(p.scoreAfter).isLessThan(p.scoreBefore);
  }

  @Test
  void aHostWithoutAvx2GetsThePlainBuildWithoutOneDnnHelpers() throws Exception {
    Probe p = probe(null, cpuinfoWithout(HASWELL));
    assertThat(p.build).isEqualTo("linux-x86_64");
    assertThat(p.oneDnn).isFalse();
    assertThat(p.dl4jOneDnn).isFalse();
    assertThat(p.helper).isFalse();
    assertThat(p.log)
        .contains("ND4J natives: linux-x86_64 (chosen from the CPU, ")
        .contains(": it lacks avx2 fma");
    assertThat(p.scoreAfter).isLessThan(p.scoreBefore);
  }

  @Test
  void aForcedBuildTheCpuCannotRunIsRefusedWithAMessageInsteadOfSigill() throws Exception {
    Result r = run("-onednn-avx2", cpuinfoWithout(HASWELL));
    assertThat(r.exit).as(r.log).isEqualTo(3);
    assertThat(r.log)
        .contains(
            "Refused: Cannot use ND4J's native build linux-x86_64-onednn-avx2 (set by -D"
                + NativeBuild.PROPERTY
                + "=-onednn-avx2): this CPU (")
        .contains(
            ") lacks avx2 fma f16c bmi1 bmi2 movbe abm "
                + "and would stop the JVM with SIGILL; builds it can run: linux-x86_64");
    assertThat(r.log).doesNotContain("SIGILL (0x4)", "PROBE");
  }

  @Test
  void aForcedBuildTheJarDoesNotCarryIsRefused() throws Exception {
    Result r = run("-onednn-avx512", null);
    assertThat(r.exit).as(r.log).isEqualTo(3);
    assertThat(r.log)
        .contains(
            "Refused: Cannot use ND4J's native build linux-x86_64-onednn-avx512 (set by -D"
                + NativeBuild.PROPERTY
                + "=-onednn-avx512): this jar carries linux-x86_64-onednn-avx2, linux-x86_64");
  }

  /**
   * This host's /proc/cpuinfo without the given flags (and, with AVX-512's, without every other
   * avx512 flag).
   */
  private Path cpuinfoWithout(List<String> flags) throws IOException {
    boolean allAvx512 = flags.containsAll(AVX512);
    String text = Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("flags")) {
        int colon = line.indexOf(':');
        line =
            line.substring(0, colon + 1)
                + " "
                + Arrays.stream(line.substring(colon + 1).trim().split("\\s+"))
                    .filter(f -> !flags.contains(f) && !(allAvx512 && f.startsWith("avx512")))
                    .collect(Collectors.joining(" "));
      }
      out.append(line).append('\n');
    }
    Path file = dir.resolve("cpuinfo-without-" + flags.size() + "-" + flags.get(0));
    Files.writeString(file, out);
    return file;
  }

  private Probe probe(String extension, Path cpuinfo) throws Exception {
    Result r = run(extension, cpuinfo);
    assertThat(r.exit).as(r.log).isZero();
    Matcher m = PROBE.matcher(r.log);
    assertThat(m.find()).as(r.log).isTrue();
    return new Probe(
        m.group(1),
        Boolean.parseBoolean(m.group(2)),
        Boolean.parseBoolean(m.group(3)),
        Boolean.parseBoolean(m.group(4)),
        Double.parseDouble(m.group(5)),
        Double.parseDouble(m.group(6)),
        r.log);
  }

  /**
   * On CPUs this host is not: the JVM under qemu's user-mode emulation of an older CPU model, whose
   * instruction set it enforces (an instruction the model lacks is a SIGILL, as on the real thing).
   * qemu shows the JVM this host's /proc/cpuinfo, so the probe is given the model's flags the same
   * way as above. bin/test installs qemu-user.
   */
  @ParameterizedTest
  @ValueSource(strings = {"Haswell", "Nehalem"})
  void onAnEmulatedOlderCpuTheChosenBuildLoadsAndFits(String model) throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of(QEMU)), "qemu-user is not installed (bin/test installs it)");
    boolean haswell = model.equals("Haswell");
    List<String> lacking = new ArrayList<>(AVX512);
    if (!haswell) lacking.addAll(HASWELL); // Nehalem: no AVX at all
    Path cpuinfo = cpuinfoWithout(lacking);
    Result r = run(null, cpuinfo, List.of(QEMU, "-cpu", model));
    assertThat(r.exit).as(r.log).isZero();
    Matcher m = PROBE.matcher(r.log);
    assertThat(m.find()).as(r.log).isTrue();
    assertThat(m.group(1)).isEqualTo(haswell ? "linux-x86_64-onednn-avx2" : "linux-x86_64");
    assertThat(Boolean.parseBoolean(m.group(4))).as("oneDNN helpers").isEqualTo(haswell);
    assertThat(Double.parseDouble(m.group(6))).isLessThan(Double.parseDouble(m.group(5)));
  }

  /**
   * ONNX Runtime on a CPU without AVX-512, the other kind of machine this project runs on: qemu's
   * Haswell (AVX2). ONNX Runtime picks its kernels from the CPU it runs on (the blocked layout 8
   * channels wide instead of 16, other matrix kernels), so every net's export, at both optimisation
   * levels a session may choose, is held there to the oracle's terms against DL4J on this host:
   * probabilities within 1e-4, and the same label wherever DL4J's two highest are more than 1e-4
   * apart.
   */
  @Test
  void onAnEmulatedAvx2CpuOnnxRuntimeGivesDl4jsProbabilitiesForEveryNet() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of(QEMU)), "qemu-user is not installed (bin/test installs it)");
    List<byte[]> digits = TestModels.testPixels(48);
    Path pixels = dir.resolve("digits.bin");
    try (var out = Files.newOutputStream(pixels)) {
      for (byte[] d : digits) out.write(d);
    }
    List<String> mainAndArgs =
        new ArrayList<>(List.of(OnnxProbe.class.getName(), pixels.toString()));
    List<List<Predictor.Prediction>> expected = new ArrayList<>();
    for (NetworkKind kind : NetworkKind.values()) {
      // model.onnx written here, so that the emulated JVM does not export it first
      Path model = Files.createDirectories(dir.resolve(kind.cliName()));
      Files.copy(
          TestModels.trained(kind).resolve(ModelFiles.MODEL), model.resolve(ModelFiles.MODEL));
      ModelFiles.saveOnnx(ModelFiles.load(model, false), model);
      mainAndArgs.add(model.toString());
      Predictor.Predictions dl4j =
          Predictor.load(model.toString(), new Configuration(), Engine.DL4J, 1).predict(digits);
      List<Predictor.Prediction> each = new ArrayList<>();
      for (int i = 0; i < dl4j.size(); i++) each.add(dl4j.get(i));
      expected.add(each);
    }
    Result r = run(null, null, List.of(QEMU, "-cpu", "Haswell"), mainAndArgs);
    assertThat(r.exit).as(r.log).isZero();
    Matcher m = ORT_PROBE.matcher(r.log);
    int lines = 0;
    while (m.find()) {
      lines++;
      NetworkKind kind = NetworkKind.values()[Integer.parseInt(m.group(1)) - 1];
      int digit = Integer.parseInt(m.group(3));
      Predictor.Prediction reference = expected.get(kind.ordinal()).get(digit);
      float[] want = reference.probabilities();
      String[] got = m.group(4).split(",");
      assertThat(got).hasSize(want.length);
      float[] p = new float[want.length];
      for (int k = 0; k < want.length; k++) p[k] = Float.parseFloat(got[k]);
      String what = kind + " at " + m.group(2) + ", digit " + digit + " on Haswell";
      for (int k = 0; k < want.length; k++)
        assertThat(p[k]).as(what + ", class " + k).isCloseTo(want[k], within(1e-4f));
      float[] sorted = want.clone();
      Arrays.sort(sorted);
      if (sorted[sorted.length - 1] - sorted[sorted.length - 2] > 1e-4f)
        assertThat(Predictor.Predictions.top(p)).as(what).isEqualTo(reference.label());
    }
    assertThat(lines)
        .as(r.log)
        .isEqualTo(
            digits.size() * NetworkKind.values().length * Predictor.Optimization.values().length);
  }

  private Result run(String extension, Path cpuinfo) throws Exception {
    return run(extension, cpuinfo, List.of());
  }

  private Result run(String extension, Path cpuinfo, List<String> emulator) throws Exception {
    return run(extension, cpuinfo, emulator, List.of(NativesProbe.class.getName()));
  }

  /** {@code mainAndArgs} in a child JVM with this JVM's classpath, under {@code emulator}. */
  private Result run(
      String extension, Path cpuinfo, List<String> emulator, List<String> mainAndArgs)
      throws Exception {
    List<String> cmd = new ArrayList<>(emulator);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // the project's logging (its INFO lines, such as the choice of natives), as bin/* give it
    cmd.add(
        "-Dlog4j2.configurationFile="
            + Path.of("../conf/log4j2.properties").toAbsolutePath().normalize());
    if (extension != null) cmd.add("-D" + NativeBuild.PROPERTY + "=" + extension);
    if (cpuinfo != null) cmd.add("-D" + NativeBuild.CPUINFO_PROPERTY + "=" + cpuinfo);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.addAll(mainAndArgs);
    Path log = dir.resolve("probe-" + System.nanoTime() + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(
          "the probe did not finish in 5 minutes: "
              + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static Set<String> hostFlags() {
    try {
      return NativeBuild.Cpu.read(Path.of("/proc/cpuinfo")).flags();
    } catch (RuntimeException e) {
      return Set.of();
    }
  }

  private record Result(int exit, String log) {}

  private record Probe(
      String build,
      boolean oneDnn,
      boolean dl4jOneDnn,
      boolean helper,
      double scoreBefore,
      double scoreAfter,
      String log) {}
}
