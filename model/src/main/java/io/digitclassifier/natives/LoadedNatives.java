package io.digitclassifier.natives;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * What ND4J actually loaded in this JVM, read from JavaCPP and from the library's own build
 * information; this loads ND4J if nothing has yet, so call {@link NativeBuild#select()} first.
 */
public final class LoadedNatives {
  private static volatile Boolean oneDnn;

  private LoadedNatives() {}

  /**
   * The build of the loaded library, such as {@code linux-x86_64-onednn-avx2}, from the path
   * JavaCPP loaded.
   */
  public static String build() {
    Nd4j.getBackend(); // loads the natives when nothing has
    for (String path : Loader.getLoadedLibraries().values()) {
      if (path == null || !path.endsWith("/libjnind4jcpu.so")) continue;
      String dir = path.substring(0, path.lastIndexOf('/'));
      return dir.substring(dir.lastIndexOf('/') + 1);
    }
    return "unknown";
  }

  /**
   * Whether the loaded library was built with oneDNN (its build information names {@code
   * HAVE_ONEDNN}).
   */
  public static boolean hasOneDnn() {
    Boolean known = oneDnn;
    if (known == null) {
      known =
          NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
      oneDnn = known;
    }
    return known;
  }

  /**
   * This JVM's native build as {@code metrics.json}, {@code _summary.json} and {@code /api/health}
   * record it.
   *
   * @param build ND4J's native build, as JavaCPP loaded it
   * @param oneDnn whether that build has oneDNN
   * @param selected why it was chosen (from the CPU's flags), or that JavaCPP's default order chose
   *     it
   * @param cpu the CPU's model name
   */
  public record Choice(String build, boolean oneDnn, String selected, String cpu) {}

  /** This JVM's {@link Choice}. */
  public static Choice describe() {
    NativeBuild.Selection s = NativeBuild.current();
    return new Choice(
        build(),
        hasOneDnn(),
        s == null ? "not selected: JavaCPP's default order" : s.reason(),
        s == null
            ? NativeBuild.Cpu.read(java.nio.file.Path.of("/proc/cpuinfo")).model()
            : s.cpuModel());
  }
}
