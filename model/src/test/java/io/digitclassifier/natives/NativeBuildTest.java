package io.digitclassifier.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeBuildTest {
  private static final Set<String> HASWELL =
      Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm");
  private static final NativeBuild.Cpu AVX512 =
      cpu(
          "Intel Xeon",
          union(HASWELL, Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")));
  private static final NativeBuild.Cpu AVX2 = cpu("AMD EPYC 7B12", HASWELL);
  private static final NativeBuild.Cpu OLD = cpu("Intel Xeon E5-2670", Set.of("sse4_2", "avx"));

  /**
   * A classpath with both oneDNN builds (a user may add the avx512 jar) and nd4j-native's plain
   * build.
   */
  private static final Predicate<String> SHIPPED =
      Set.of("linux-x86_64", "linux-x86_64-onednn-avx2", "linux-x86_64-onednn-avx512")::contains;

  @Test
  void eachCpuGetsTheFastestBuildItCanRun() {
    assertThat(choose(AVX512, null).build()).isEqualTo("linux-x86_64-onednn-avx512");
    assertThat(choose(AVX2, null).build()).isEqualTo("linux-x86_64-onednn-avx2");
    NativeBuild.Selection old = choose(OLD, null);
    assertThat(old.build()).isEqualTo("linux-x86_64");
    assertThat(old.extension()).isEmpty();
    assertThat(old.reason())
        .isEqualTo(
            "chosen from the CPU, Intel Xeon E5-2670: it lacks avx2 fma f16c bmi1 bmi2 "
                + "movbe abm");
    assertThat(choose(AVX2, null).reason())
        .isEqualTo(
            "chosen from the CPU, AMD EPYC 7B12: it has avx2 fma f16c bmi1 " + "bmi2 movbe abm");
  }

  @Test
  void onlyBuildsTheJarCarriesAreChosen() {
    Predicate<String> noAvx512 = Set.of("linux-x86_64", "linux-x86_64-onednn-avx2")::contains;
    assertThat(NativeBuild.choose("Linux", "amd64", AVX512, null, noAvx512).build())
        .isEqualTo("linux-x86_64-onednn-avx2");
    Predicate<String> plainOnly = "linux-x86_64"::equals;
    NativeBuild.Selection s = NativeBuild.choose("Linux", "amd64", AVX512, null, plainOnly);
    assertThat(s.build()).isEqualTo("linux-x86_64");
    assertThat(s.reason()).endsWith(": no faster build is carried");
  }

  @Test
  void aUsersSettingWinsWhenTheCpuCanRunIt() {
    NativeBuild.Selection plain = choose(AVX512, "");
    assertThat(plain.build()).isEqualTo("linux-x86_64");
    assertThat(plain.reason()).isEqualTo("set by -Dorg.bytedeco.javacpp.platform.extension=");
    assertThat(choose(AVX512, "-onednn-avx2").build()).isEqualTo("linux-x86_64-onednn-avx2");
  }

  @Test
  void aForcedBuildTheCpuCannotRunIsRefusedBeforeItCanCrashTheJvm() {
    assertThatThrownBy(() -> choose(AVX2, "-onednn-avx512"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot use ND4J's native build linux-x86_64-onednn-avx512 (set by "
                + "-Dorg.bytedeco.javacpp.platform.extension=-onednn-avx512): this CPU (AMD EPYC 7B12) lacks avx512f "
                + "avx512cd avx512bw avx512dq avx512vl and would stop the JVM with SIGILL; builds it can run: "
                + "linux-x86_64-onednn-avx2, linux-x86_64");
    assertThatThrownBy(() -> choose(OLD, "-onednn-avx2"))
        .hasMessageContaining(
            "this CPU (Intel Xeon E5-2670) lacks avx2 fma f16c bmi1 bmi2 movbe abm")
        .hasMessageEndingWith("builds it can run: linux-x86_64");
  }

  @Test
  void aForcedBuildTheJarDoesNotCarryIsRefused() {
    assertThatThrownBy(() -> choose(AVX512, "-avx2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot use ND4J's native build linux-x86_64-avx2 (set by "
                + "-Dorg.bytedeco.javacpp.platform.extension=-avx2): this jar carries linux-x86_64-onednn-avx512, "
                + "linux-x86_64-onednn-avx2, linux-x86_64");
  }

  @Test
  void otherPlatformsGetOneLineNamingThePlatformAndWhatIsSupported() {
    assertThatThrownBy(() -> NativeBuild.choose("Linux", "aarch64", AVX2, null, SHIPPED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot load ND4J's natives on Linux aarch64: this build carries them for linux-x86_64 only "
                + "(any x86-64 CPU; AVX2 and AVX-512 are used where present)");
    assertThatThrownBy(() -> NativeBuild.choose("Mac OS X", "x86_64", AVX2, null, SHIPPED))
        .hasMessageStartingWith("Cannot load ND4J's natives on Mac OS X x86_64: ");
  }

  @Test
  void readsTheModelAndFlagsFromCpuinfoAndAssumesNoFlagsWithoutIt(@TempDir Path dir)
      throws Exception {
    Path info = dir.resolve("cpuinfo");
    Files.writeString(
        info,
        "processor\t: 0\nmodel name\t: AMD EPYC 7B12\nflags\t\t: fpu sse4_2 avx2 fma\n\n"
            + "processor\t: 1\nmodel name\t: AMD EPYC 7B12\nflags\t\t: fpu sse4_2 avx2 fma\n");
    NativeBuild.Cpu cpu = NativeBuild.Cpu.read(info);
    assertThat(cpu.model()).isEqualTo("AMD EPYC 7B12");
    assertThat(cpu.flags()).containsExactlyInAnyOrder("fpu", "sse4_2", "avx2", "fma");
    NativeBuild.Cpu none = NativeBuild.Cpu.read(dir.resolve("missing"));
    assertThat(none.flags()).isEmpty();
    assertThat(choose(none, null).build()).isEqualTo("linux-x86_64");
  }

  @Test
  void theBuildCarriesThePlainAndTheOneDnnAvx2Builds() {
    for (String build : new String[] {"linux-x86_64", "linux-x86_64-onednn-avx2"}) {
      assertThat(NativeBuild.shipped(build)).as(build).isTrue();
    }
    for (String build :
        new String[] {"linux-x86_64-onednn-avx512", "linux-x86_64-avx2", "linux-x86_64-onednn"}) {
      assertThat(NativeBuild.shipped(build)).as(build).isFalse();
    }
  }

  private static NativeBuild.Selection choose(NativeBuild.Cpu cpu, String forced) {
    return NativeBuild.choose("Linux", "amd64", cpu, forced, SHIPPED);
  }

  private static NativeBuild.Cpu cpu(String model, Set<String> flags) {
    return new NativeBuild.Cpu(model, new TreeSet<>(flags));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
