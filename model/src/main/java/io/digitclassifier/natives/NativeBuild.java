package io.digitclassifier.natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the fastest of ND4J's native builds that this host can execute, before ND4J loads, by
 * setting JavaCPP's {@value #PROPERTY}. JavaCPP 1.5.7 reads that property once, when it first
 * loads, and then loads exactly the build it names; left unset it takes the first build on the
 * classpath in its own fixed order, without looking at the CPU, and a build for instructions the
 * CPU lacks dies with SIGILL as the library loads, before ND4J's own check.
 *
 * <p>Every JVM that loads ND4J calls {@link #select()} first: the jobs' driver ({@code JobMain}),
 * each executor (Spark's plugin {@code io.digitclassifier.spark.NativesPlugin}, which runs before
 * any task), the canvas server, the benchmarks and the test JVMs. A value the user set for the
 * property wins, but is refused with a clear message when the CPU cannot run that build or the jar
 * does not carry it.
 */
public final class NativeBuild {
  /**
   * JavaCPP's system property: the build's suffix after the platform ({@code -onednn-avx2}, or
   * empty for plain).
   */
  public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";

  /**
   * Where the CPU flags are read from (a file in /proc/cpuinfo's format); tests point it at another
   * CPU's.
   */
  public static final String CPUINFO_PROPERTY = "digitclassifier.cpuinfo";

  static final String PLATFORM = "linux-x86_64";
  private static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/";
  private static final Logger LOG = LoggerFactory.getLogger(NativeBuild.class);

  /**
   * What libnd4j's builds were compiled for: -march=haswell (avx2) and -march=skylake-avx512
   * (avx512).
   */
  private static final List<String> HASWELL =
      List.of("avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm");

  private static final List<String> SKYLAKE_AVX512 =
      concat(HASWELL, List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"));

  /** ND4J M2's builds for linux-x86_64, fastest first, with the CPU flags each needs. */
  static final Map<String, List<String>> KNOWN = knownBuilds();

  private static Selection selected;

  private NativeBuild() {}

  /** The choice made in this JVM, and why. */
  public record Selection(String build, String extension, String reason, String cpuModel) {
    /** One line for logs: the build and why it was chosen. */
    public String describe() {
      return build + " (" + reason + ")";
    }
  }

  /**
   * Chooses the build for this JVM and sets {@value #PROPERTY}; idempotent. Logs the choice once.
   *
   * @throws IllegalStateException this is not linux-x86_64, or the user forced a build this CPU
   *     cannot run or this jar does not carry
   */
  public static synchronized Selection select() {
    if (selected == null) {
      Cpu cpu = Cpu.read(Path.of(System.getProperty(CPUINFO_PROPERTY, "/proc/cpuinfo")));
      selected =
          choose(
              System.getProperty("os.name"),
              System.getProperty("os.arch"),
              cpu,
              System.getProperty(PROPERTY),
              NativeBuild::shipped);
      System.setProperty(PROPERTY, selected.extension());
      LOG.info("ND4J natives: {}", selected.describe());
    }
    return selected;
  }

  /** The choice made by {@link #select()}, or null when nothing in this JVM has called it. */
  public static synchronized Selection current() {
    return selected;
  }

  /**
   * The decision itself, apart from this host: which build to load on {@code cpu}, given what the
   * user set (null when nothing) and which builds the jar carries.
   */
  static Selection choose(
      String osName, String osArch, Cpu cpu, String forced, Predicate<String> shipped) {
    String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
    boolean linux = osName != null && osName.toLowerCase(Locale.ROOT).startsWith("linux");
    if (!linux || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IllegalStateException(
          "Cannot load ND4J's natives on "
              + osName
              + " "
              + osArch
              + ": this build "
              + "carries them for linux-x86_64 only (any x86-64 CPU; AVX2 and AVX-512 are used where present)");
    }
    List<String> carried = new ArrayList<>();
    for (String ext : KNOWN.keySet()) if (shipped.test(PLATFORM + ext)) carried.add(PLATFORM + ext);
    if (forced != null) {
      String build = PLATFORM + forced;
      String how = "set by -D" + PROPERTY + "=" + forced;
      if (!shipped.test(build)) {
        throw new IllegalStateException(
            "Cannot use ND4J's native build "
                + build
                + " ("
                + how
                + "): this jar "
                + "carries "
                + String.join(", ", carried));
      }
      List<String> missing = cpu.missing(KNOWN.getOrDefault(forced, List.of()));
      if (!missing.isEmpty()) {
        throw new IllegalStateException(
            "Cannot use ND4J's native build "
                + build
                + " ("
                + how
                + "): this CPU ("
                + cpu.model()
                + ") lacks "
                + String.join(" ", missing)
                + " and would stop the JVM with SIGILL; "
                + "builds it can run: "
                + String.join(", ", runnable(cpu, carried)));
      }
      return new Selection(build, forced, how, cpu.model());
    }
    for (Map.Entry<String, List<String>> e : KNOWN.entrySet()) {
      String build = PLATFORM + e.getKey();
      if (!shipped.test(build) || !cpu.missing(e.getValue()).isEmpty()) continue;
      List<String> lacks = cpu.missing(HASWELL);
      String why =
          !e.getValue().isEmpty()
              ? "it has " + String.join(" ", e.getValue())
              : lacks.isEmpty()
                  ? "no faster build is carried"
                  : "it lacks " + String.join(" ", lacks);
      return new Selection(
          build, e.getKey(), "chosen from the CPU, " + cpu.model() + ": " + why, cpu.model());
    }
    throw new IllegalStateException(
        "Cannot load ND4J's natives: this jar carries no build for linux-x86_64 that "
            + "this CPU ("
            + cpu.model()
            + ") can run; it carries "
            + String.join(", ", carried));
  }

  private static List<String> runnable(Cpu cpu, List<String> carried) {
    List<String> out = new ArrayList<>();
    for (String build : carried) {
      if (cpu.missing(KNOWN.get(build.substring(PLATFORM.length()))).isEmpty()) out.add(build);
    }
    return out;
  }

  /** Whether the classpath holds this build's JNI library (its jar is there). */
  static boolean shipped(String build) {
    ClassLoader loader = NativeBuild.class.getClassLoader();
    return loader.getResource(BINDINGS + build + "/libjnind4jcpu.so") != null;
  }

  private static Map<String, List<String>> knownBuilds() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("-onednn-avx512", SKYLAKE_AVX512);
    m.put("-onednn-avx2", HASWELL);
    m.put("-avx512", SKYLAKE_AVX512);
    m.put("-avx2", HASWELL);
    m.put("-onednn", List.of());
    m.put("", List.of());
    return m;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  /**
   * The CPU as Linux describes it: its model name and flags (of the first processor; they are all
   * alike).
   */
  record Cpu(String model, Set<String> flags) {
    static Cpu read(Path cpuinfo) {
      String model = "unknown CPU";
      Set<String> flags = new TreeSet<>();
      try {
        for (String line : Files.readAllLines(cpuinfo)) {
          int colon = line.indexOf(':');
          if (colon < 0) continue;
          String key = line.substring(0, colon).trim();
          String value = line.substring(colon + 1).trim();
          if (key.equals("model name") && model.equals("unknown CPU")) model = value;
          if (key.equals("flags") && flags.isEmpty()) flags.addAll(List.of(value.split("\\s+")));
        }
      } catch (IOException e) {
        // No /proc (a container without it): no flags, so only builds that need none qualify.
        LOG.warn(
            "Cannot read the CPU's flags from {}: {}; choosing a build that needs none",
            cpuinfo,
            e.toString());
      }
      return new Cpu(model, flags);
    }

    List<String> missing(List<String> required) {
      List<String> out = new ArrayList<>();
      for (String f : required) if (!flags.contains(f)) out.add(f);
      return out;
    }
  }
}
