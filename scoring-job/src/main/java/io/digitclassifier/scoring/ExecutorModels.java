package io.digitclassifier.scoring;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM, by SHA-256: loaded from the broadcast bytes once, never per row or per
 * partition. A network is not safe to call from two threads, so each task borrows an instance and gives it
 * back; an executor ends up with at most as many instances as it runs tasks at once (its cores).
 */
final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  private static final Map<String, Queue<ComputationGraph>> IDLE = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();
  private static final Map<String, AtomicInteger> LOADED = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  /**
   * An instance for this task; a new one is loaded only when every loaded instance is in use, and then
   * {@code loads} counts it.
   */
  static ComputationGraph borrow(String sha256, java.util.function.Supplier<byte[]> modelZip,
      org.apache.spark.util.LongAccumulator loads) {
    ComputationGraph net = IDLE.computeIfAbsent(sha256, k -> new ConcurrentLinkedQueue<>()).poll();
    if (net != null) return net;
    try {
      net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelZip.get()), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load model " + sha256 + " on the executor: " + e.getMessage(), e);
    }
    loads.add(1);
    LOADED.computeIfAbsent(sha256, k -> new AtomicInteger()).incrementAndGet();
    LOG.info("Loaded model {} on this executor (instance {})", sha256.substring(0, 12), LOADS.incrementAndGet());
    return net;
  }

  /** Instances of a model loaded in this JVM so far (idle or in use). */
  static int loaded(String sha256) {
    return LOADED.getOrDefault(sha256, new AtomicInteger()).get();
  }

  static void giveBack(String sha256, ComputationGraph net) {
    IDLE.get(sha256).add(net);
  }
}
