package io.digitclassifier.spark;

import io.digitclassifier.natives.LoadedNatives;
import io.digitclassifier.natives.NativeBuild;
import io.digitclassifier.net.Dl4jHelpers;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every JVM that runs the project's Spark tasks does once, before its first network: pick
 * ND4J's native build from the CPU (when nothing has yet), switch DL4J's oneDNN helpers on and log
 * the memory and thread settings in effect, so that an executor's log says what it ran with (heap,
 * ND4J's off-heap limits, OpenMP and ND4J threads, cores).
 */
public final class ExecutorSetup {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorSetup.class);
  private static final AtomicBoolean DONE = new AtomicBoolean();

  private ExecutorSetup() {}

  /** Idempotent and cheap after the first call in a JVM. */
  public static void ensure() {
    NativeBuild.select();
    Dl4jHelpers.enable();
    if (DONE.compareAndSet(false, true)) {
      LOG.info(
          "JVM settings: heap max {} MiB, ND4J off-heap max {} MiB (org.bytedeco.javacpp.maxbytes), "
              + "physical max {} MiB (maxphysicalbytes), OMP_NUM_THREADS={}, ND4J threads {}, cores {}, "
              + "DL4J helpers {}, ND4J natives {} ({})",
          Runtime.getRuntime().maxMemory() >> 20,
          Pointer.maxBytes() >> 20,
          Pointer.maxPhysicalBytes() >> 20,
          System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
          Nd4j.getEnvironment().maxThreads(),
          Runtime.getRuntime().availableProcessors(),
          "false".equals(System.getProperty(Dl4jHelpers.PROPERTY)) ? "on" : "off",
          LoadedNatives.build(),
          LoadedNatives.hasOneDnn() ? "oneDNN" : "no oneDNN");
    }
  }
}
