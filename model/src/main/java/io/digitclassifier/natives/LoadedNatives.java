package io.digitclassifier.natives;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * What ND4J actually loaded in this JVM, read from JavaCPP and from the library's own build information; this
 * loads ND4J if nothing has yet, so call {@link NativeBuild#select()} first.
 */
public final class LoadedNatives {
  private static volatile Boolean oneDnn;

  private LoadedNatives() {}

  /** The build of the loaded library, such as {@code linux-x86_64-onednn-avx2}, from the path JavaCPP loaded. */
  public static String build() {
    Nd4j.getBackend(); // loads the natives when nothing has
    for (String path : Loader.getLoadedLibraries().values()) {
      if (path == null || !path.endsWith("/libjnind4jcpu.so")) continue;
      String dir = path.substring(0, path.lastIndexOf('/'));
      return dir.substring(dir.lastIndexOf('/') + 1);
    }
    return "unknown";
  }

  /** Whether the loaded library was built with oneDNN (its build information names {@code HAVE_ONEDNN}). */
  public static boolean hasOneDnn() {
    Boolean known = oneDnn;
    if (known == null) {
      known = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
      oneDnn = known;
    }
    return known;
  }

  /** For metrics.json, _summary.json and /api/health: the loaded build, oneDNN, and why that build. */
  public static Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("build", build());
    out.put("oneDnn", hasOneDnn());
    NativeBuild.Selection s = NativeBuild.current();
    out.put("selected", s == null ? "not selected: JavaCPP's default order" : s.reason());
    out.put("cpu", s == null ? NativeBuild.Cpu.read(java.nio.file.Path.of("/proc/cpuinfo")).model() : s.cpuModel());
    return out;
  }
}
