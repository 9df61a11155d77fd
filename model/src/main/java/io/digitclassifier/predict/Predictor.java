package io.digitclassifier.predict;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.artifacts.ModelFiles;
import io.digitclassifier.data.Digits;
import io.digitclassifier.onnx.OnnxExport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained network that names digits: the project's one prediction path. Scoring's executors,
 * training's report (its most confident mistakes), the canvas server and the benchmarks all predict
 * through here, so a model is loaded, checked and run one way.
 *
 * <p>Two engines ({@link Engine}). ONNX Runtime (the default) runs the model's ONNX export; its
 * sessions are safe for many threads, so one session per model and thread count serves the whole
 * JVM (an executor's task threads share it) and {@link #copy} returns the same instance. DL4J runs
 * the network itself: an instance is not safe for two threads at once (DL4J keeps activations and
 * workspaces in the network), so share one through a {@link PredictorPool}, or {@link #copy} it.
 */
public final class Predictor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Predictor.class);

  /**
   * This JVM's shared ONNX Runtime sessions, by the ONNX file's SHA-256, the intra-op thread count
   * and the fixed level; each open while a predictor on it is.
   */
  private static final Map<String, SharedSession> SESSIONS = new ConcurrentHashMap<>();

  /**
   * The system property that fixes the {@link Optimization} (all or extended) instead of measuring
   * both ({@code auto}, the default): for an executor, {@code
   * spark.executor.extraJavaOptions=-Ddigitclassifier.onnx.optimization=all}.
   */
  public static final String OPTIMIZATION_PROPERTY = "digitclassifier.onnx.optimization";

  /**
   * ONNX Runtime's graph optimisation level, which a session chooses per JVM, model and thread
   * count. {@link #ALL} (ONNX Runtime's default) adds the CPU's blocked channel layout (NCHWc: 16
   * channels a block with AVX-512, 8 with AVX2) to {@link #EXTENDED}'s fusions. The blocked layout
   * pays off where the convolutions' channel counts fill the blocks and costs where they do not:
   * measured on one AVX-512 machine, LeNet (20 and 50 channels, padded to 32 and 64) ran 27,400
   * images/s on EXTENDED against 21,700 on ALL, the three-branch net 4,200 against 5,700. So a
   * JVM-wide session measures both on a batch of digits and keeps the faster (a session of its own,
   * {@link #ownSession}, stays on ALL; {@link #OPTIMIZATION_PROPERTY} fixes either); the two give
   * the same probabilities within float rounding.
   */
  public enum Optimization {
    ALL(OrtSession.SessionOptions.OptLevel.ALL_OPT),
    EXTENDED(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);

    private final OrtSession.SessionOptions.OptLevel level;

    Optimization(OrtSession.SessionOptions.OptLevel level) {
      this.level = level;
    }

    /** The level named by {@link #OPTIMIZATION_PROPERTY}, or null for auto (measure both). */
    static Optimization fromProperty() {
      String v = System.getProperty(OPTIMIZATION_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
      return switch (v) {
        case "auto", "" -> null;
        case "all" -> ALL;
        case "extended" -> EXTENDED;
        default ->
            throw new IllegalArgumentException(
                "Cannot use -D"
                    + OPTIMIZATION_PROPERTY
                    + "="
                    + v
                    + ": expected auto, all or extended");
      };
    }
  }

  private final Forward forward;
  private final Engine engine;
  private final Optimization optimization;
  private final String sha256;
  private final String onnxSha256;
  private final String source;

  private Predictor(
      Forward forward, Engine engine, Optimization optimization, ModelArtifacts model) {
    this(forward, engine, optimization, model.zipSha256(), model.onnxSha256(), model.source());
  }

  private Predictor(
      Forward forward,
      Engine engine,
      Optimization optimization,
      String sha256,
      String onnxSha256,
      String source) {
    this.forward = forward;
    this.engine = engine;
    this.optimization = optimization;
    this.sha256 = sha256;
    this.onnxSha256 = onnxSha256;
    this.source = source;
  }

  /** {@link #load(String, Configuration, Engine, int)} on ONNX Runtime with one intra-op thread. */
  public static Predictor load(String dirOrZip, Configuration conf) {
    return load(dirOrZip, conf, Engine.ONNX, 1);
  }

  /**
   * Loads a training output directory or its {@code model.zip} from any Hadoop filesystem and
   * checks it; a missing, incomplete, corrupt or unsuitable model is an {@link
   * IllegalArgumentException} naming the file. {@code threads} is ONNX Runtime's intra-op thread
   * count (one forward pass on that many cores).
   */
  public static Predictor load(String dirOrZip, Configuration conf, Engine engine, int threads) {
    return of(ModelArtifacts.read(dirOrZip, conf, engine), threads);
  }

  /**
   * A predictor for artifacts read by {@link ModelArtifacts}, on the engine they were read for
   * (ONNX Runtime when they hold ONNX bytes, DL4J otherwise), checked to take one 28x28 grey digit
   * and give ten finite class probabilities.
   */
  public static Predictor of(ModelArtifacts model, int threads) {
    return of(model, threads, true, Optimization.fromProperty(), BY_PROPERTY);
  }

  /**
   * {@link #ownSession} at a fixed {@link Optimization} instead of the faster one: for comparing
   * the two.
   */
  public static Predictor ownSession(ModelArtifacts model, int threads, Optimization optimization) {
    return of(model, threads, false, optimization, "fixed by the caller");
  }

  /**
   * {@link #of(ModelArtifacts, int)} with a session of its own on ONNX Runtime, released by {@link
   * #close}: for a model used once and dropped (training's report, a check), which a JVM-wide
   * session would keep for the JVM's life. It runs at the {@link #OPTIMIZATION_PROPERTY}'s level,
   * else at ONNX Runtime's default ({@link Optimization#ALL}) without timing the two: timing them
   * costs as much as opening a second session, which one short use does not win back.
   */
  public static Predictor ownSession(ModelArtifacts model, int threads) {
    Optimization fixed = Optimization.fromProperty();
    return fixed != null
        ? of(model, threads, false, fixed, BY_PROPERTY)
        : of(model, threads, false, Optimization.ALL, "a session of its own, not timed");
  }

  /** Why a fixed level was used, for the session's log line. */
  private static final String BY_PROPERTY = "-D" + OPTIMIZATION_PROPERTY;

  private static Predictor of(
      ModelArtifacts model, int threads, boolean shared, Optimization fixed, String why) {
    Predictor p;
    if (model.onnx() != null) {
      OnnxForward forward;
      if (shared) {
        SharedSession held =
            SharedSession.acquire(
                model.onnxSha256() + ":" + threads + ":" + fixed,
                () -> session(model, threads, fixed, why));
        forward = new OnnxForward(held.session, held::release);
      } else {
        Session own = session(model, threads, fixed, why);
        forward = new OnnxForward(own, () -> close(own.session()));
      }
      p = new Predictor(forward, Engine.ONNX, forward.session.optimization(), model);
    } else {
      p =
          new Predictor(
              new Dl4jForward(ModelFiles.fromBytes(model.zip(), false, model.source())),
              Engine.DL4J,
              null,
              model);
    }
    try {
      p.check();
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  /**
   * Closes a session of its own ({@link #ownSession}) or lets go of a shared one, which closes with
   * the last predictor on it; once closed, this predictor predicts no more (a DL4J network is left
   * to the garbage collector). Closing twice does nothing more.
   */
  @Override
  public void close() {
    forward.close();
  }

  /**
   * Shared ONNX Runtime sessions open in this JVM, one per model and thread count in use: for
   * monitoring an executor, and for tests.
   */
  public static int sharedSessions() {
    return SESSIONS.size();
  }

  /**
   * The model's identity: the SHA-256 of its {@code model.zip}, as training and scoring record it.
   */
  public String sha256() {
    return sha256;
  }

  /** The SHA-256 of the ONNX bytes ONNX Runtime runs, or null on the DL4J engine. */
  public String onnxSha256() {
    return onnxSha256;
  }

  public Engine engine() {
    return engine;
  }

  /** ONNX Runtime's graph optimisation level this session runs at, or null on the DL4J engine. */
  public Optimization optimization() {
    return optimization;
  }

  /** Where the model came from (a path or URI as shown to users). */
  public String source() {
    return source;
  }

  /**
   * Another instance of the same model, for another thread (the same one on ONNX Runtime, which is
   * thread-safe).
   */
  public Predictor copy() {
    Forward f = forward.copy();
    return f == forward ? this : new Predictor(f, engine, optimization, sha256, onnxSha256, source);
  }

  /**
   * One forward pass over a batch of MNIST-like digits (784 bytes each, light ink on black, as
   * {@code ImagePreprocessor} makes them).
   */
  public Predictions predict(List<byte[]> images) {
    if (images.isEmpty()) return new Predictions(new float[0]);
    return new Predictions(forward.run(images));
  }

  /** The prediction for one digit. */
  public Prediction predict(byte[] image) {
    return predict(List.of(image)).get(0);
  }

  private void check() {
    float[] out;
    try {
      out = forward.run(List.of(new byte[Digits.PIXELS]));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot use model "
              + source
              + ": it does not take a 28x28x1 digit ("
              + e.getMessage()
              + ")",
          e);
    }
    if (out.length != Digits.CLASSES) {
      throw new IllegalArgumentException(
          "Cannot use model "
              + source
              + ": it has "
              + out.length
              + " outputs, expected "
              + Digits.CLASSES
              + " class probabilities (one per digit)");
    }
    for (float f : out) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException(
            "Cannot use model "
                + source
                + ": its parameters are not finite (a blank "
                + "digit gives probabilities "
                + Arrays.toString(out)
                + "); the training that wrote it diverged");
      }
    }
  }

  /**
   * A session at {@code fixed}, or at the faster of the two {@link Optimization} levels measured
   * here: each level's fastest of five forward passes of {@link #CALIBRATION_BATCH} digits (after
   * two untimed), run in turn; EXTENDED is kept only when it takes under 95% of ALL's time, so that
   * levels about as fast as each other keep ONNX Runtime's default.
   */
  private static Session session(
      ModelArtifacts model, int threads, Optimization fixed, String why) {
    if (threads < 1)
      throw new IllegalArgumentException("ONNX Runtime needs at least 1 thread, got " + threads);
    long start = System.nanoTime();
    if (fixed != null) {
      OrtSession s = open(model, threads, fixed);
      logOpened(model, threads, fixed, why, start);
      return new Session(s, fixed);
    }
    OrtSession all = open(model, threads, Optimization.ALL);
    OrtSession extended;
    try {
      extended = open(model, threads, Optimization.EXTENDED);
    } catch (RuntimeException e) {
      close(all);
      throw e;
    }
    long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
    try {
      FloatBuffer digits = calibrationDigits();
      for (int i = 0; i < 2; i++) { // first runs allocate ONNX Runtime's buffers and threads
        run(all, digits, CALIBRATION_BATCH);
        run(extended, digits, CALIBRATION_BATCH);
      }
      for (int i = 0; i < 5; i++) {
        best[0] = Math.min(best[0], timed(all, digits));
        best[1] = Math.min(best[1], timed(extended, digits));
      }
    } catch (RuntimeException e) {
      // a model that does not take a digit: check() says so, in words, on the default level
      close(extended);
      return new Session(all, Optimization.ALL);
    }
    boolean keepExtended = best[1] < 0.95 * best[0];
    close(keepExtended ? all : extended);
    Optimization chosen = keepExtended ? Optimization.EXTENDED : Optimization.ALL;
    logOpened(
        model,
        threads,
        chosen,
        String.format(
            Locale.ROOT,
            "measured %d digits: all %.1f ms, extended %.1f ms",
            CALIBRATION_BATCH,
            best[0] / 1e6,
            best[1] / 1e6),
        start);
    return new Session(keepExtended ? extended : all, chosen);
  }

  private static void logOpened(
      ModelArtifacts model, int threads, Optimization level, String why, long start) {
    LOG.info(
        "ONNX Runtime {} session for {} ({}, onnx sha256 {}): {} intra-op thread(s), {}"
            + " optimization ({}), {} ms",
        OrtEnvironment.getEnvironment().getVersion(),
        model.source(),
        model.onnxOrigin(),
        model.onnxSha256().substring(0, 12),
        threads,
        level.name().toLowerCase(Locale.ROOT),
        why,
        (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Digits in the calibration batch: the scoring job's default batch, and long enough to time in a
   * JVM that is still compiling. At 64 digits, a cold benchmark JVM timed LeNet's two levels (2
   * threads) the wrong way round, all 3.3 ms against extended 3.8, where 20,000 digits in batches
   * of 64 take 2.5 ms a batch on extended against 3.3 on all.
   */
  static final int CALIBRATION_BATCH = 256;

  /** A fixed batch of grey patterns (the speed of these nets does not depend on the pixels). */
  private static FloatBuffer calibrationDigits() {
    FloatBuffer px = direct(CALIBRATION_BATCH * Digits.PIXELS);
    for (int i = 0; i < px.capacity(); i++) px.put(i, (i * 37 % 256) / 255f);
    return px;
  }

  private static long timed(OrtSession s, FloatBuffer digits) {
    long t0 = System.nanoTime();
    run(s, digits, CALIBRATION_BATCH);
    return System.nanoTime() - t0;
  }

  private static OrtSession open(ModelArtifacts model, int threads, Optimization level) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(level.level);
      return env.createSession(model.onnx(), options);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "Cannot use model "
              + model.source()
              + ": ONNX Runtime refuses its ONNX "
              + "export ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  private static void close(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      LOG.warn("Cannot close an ONNX Runtime session: {}", e.getMessage());
    }
  }

  /**
   * Ten probabilities per image, flat, for {@code n} images of 784 floats each, read from a direct
   * buffer's position in place (a heap buffer ONNX Runtime would copy into a new direct one each
   * batch).
   */
  private static float[] run(OrtSession session, FloatBuffer pixels, int n) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor x =
            OnnxTensor.createTensor(env, pixels, new long[] {n, 1, Digits.SIDE, Digits.SIDE});
        OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, x))) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] flat = new float[out.remaining()];
      out.get(flat);
      return flat;
    } catch (OrtException e) {
      throw new IllegalStateException(
          "Cannot predict: ONNX Runtime failed (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Each thread's input buffer, grown to its largest batch (784 floats an image: 0.8 MB at the
   * default 256) and kept for the thread's life: Spark's task threads and the server's are pooled.
   */
  private static final ThreadLocal<FloatBuffer> INPUT = new ThreadLocal<>();

  /**
   * The largest batch a thread's buffer is kept for: 4,096 digits, 12.8 MB. A larger batch gets a
   * buffer of its own, left to the garbage collector with the batch, so that one huge batch does
   * not pin its size outside the heap for the thread's life.
   */
  static final int KEPT_FLOATS = 4096 * Digits.PIXELS;

  /** {@code images} as the network's input, in this thread's direct buffer. */
  private static FloatBuffer input(List<byte[]> images) {
    int size = images.size() * Digits.PIXELS;
    FloatBuffer buffer;
    if (size > KEPT_FLOATS) {
      buffer = direct(size);
    } else {
      buffer = INPUT.get();
      if (buffer == null || buffer.capacity() < size) {
        buffer = direct(size);
        INPUT.set(buffer);
      }
    }
    buffer.clear();
    Digits.putFloats(images, buffer);
    return buffer.flip();
  }

  /** A direct buffer of {@code floats} in the CPU's byte order, as native code reads floats. */
  private static FloatBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /** A session and the optimisation level it runs at. */
  private record Session(OrtSession session, Optimization optimization) {}

  /** One engine's forward pass: ten probabilities per image, flat. */
  private interface Forward {
    float[] run(List<byte[]> images);

    Forward copy();

    default void close() {}
  }

  private static final class Dl4jForward implements Forward {
    private final ComputationGraph net;

    Dl4jForward(ComputationGraph net) {
      this.net = net;
    }

    @Override
    public float[] run(List<byte[]> images) {
      return net.outputSingle(false, Digits.toFeatures(images)).data().asFloat();
    }

    @Override
    public Forward copy() {
      return new Dl4jForward(net.clone());
    }
  }

  /**
   * A session shared by every predictor of one model and thread count in the JVM, counted: it is
   * opened by the first {@link #acquire} and closed by the last {@link #release}.
   */
  private static final class SharedSession {
    private final String key;
    private Session session;
    private int users;
    private boolean closed;

    private SharedSession(String key) {
      this.key = key;
    }

    static SharedSession acquire(String key, Supplier<Session> open) {
      while (true) {
        SharedSession held = SESSIONS.computeIfAbsent(key, SharedSession::new);
        synchronized (held) {
          if (held.closed) continue; // its last user let go meanwhile: make a new one
          if (held.session == null) {
            try {
              held.session = open.get();
            } catch (RuntimeException e) {
              held.closed = true; // not left behind as an open session
              SESSIONS.remove(key, held);
              throw e;
            }
          }
          held.users++;
          return held;
        }
      }
    }

    synchronized void release() {
      if (--users > 0) return;
      closed = true;
      SESSIONS.remove(key, this);
      close(session.session());
    }
  }

  private static final class OnnxForward implements Forward {
    private final Session session;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    OnnxForward(Session session, Runnable release) {
      this.session = session;
      this.release = release;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) release.run();
    }

    @Override
    public float[] run(List<byte[]> images) {
      if (released.get())
        throw new IllegalStateException("Cannot predict: this predictor has been closed");
      return Predictor.run(session.session(), input(images), images.size());
    }

    @Override
    public Forward copy() {
      return this;
    }
  }

  /** One digit's prediction: the most probable label, its probability, and all ten. */
  public record Prediction(int label, float[] probabilities) {
    public float confidence() {
      return probabilities[label];
    }
  }

  /** A batch's predictions, in the order of its images. */
  public static final class Predictions {
    private final float[] flat;

    private Predictions(float[] flat) {
      this.flat = flat;
    }

    public int size() {
      return flat.length / Digits.CLASSES;
    }

    /** The {@code i}th image's prediction (its probabilities copied out of the batch). */
    public Prediction get(int i) {
      float[] p = Arrays.copyOfRange(flat, i * Digits.CLASSES, (i + 1) * Digits.CLASSES);
      return new Prediction(top(p), p);
    }

    /** The index of the highest probability; the lowest index among equals. */
    public static int top(float[] p) {
      int best = 0;
      for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      return best;
    }
  }
}
