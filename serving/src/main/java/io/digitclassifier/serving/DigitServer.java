package io.digitclassifier.serving;

import com.sun.net.httpserver.HttpServer;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.image.CanvasSample;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.natives.LoadedNatives;
import io.digitclassifier.natives.NativeBuild;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.predict.PredictorPool;
import io.digitclassifier.storage.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The canvas server: loads the model once, warms it up, then serves the page at {@code /}, the
 * prediction API at {@code POST /api/predict}, {@code GET /api/health} and the same model for the
 * browser at {@code /web/} ({@link WebHandler}, {@code bin/export-web}'s folder), written to the
 * JDK's {@code com.sun.net.httpserver} API and run on Jetty with a bound on what each client can
 * hold ({@link Connections}).
 *
 * <p>Twice as many requests as there are model copies are at work at once, so decoding and
 * preprocessing (about 3 ms a canvas, 10 ms a photo) overlap with the forward passes on a {@link
 * PredictorPool} of at most four copies; the others wait their turn without a thread, up to {@code
 * --max-waiting} of them for {@code --max-wait}.
 */
public final class DigitServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DigitServer.class);

  private final Connections http;
  private final PredictorPool model;
  private final String sha256;
  private final URI uri;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicInteger closed = new AtomicInteger();

  private DigitServer(Connections http, PredictorPool model, String sha256, URI uri) {
    this.http = http;
    this.model = model;
    this.sha256 = sha256;
    this.uri = uri;
  }

  public static void main(String[] args) {
    PrintStream out = System.out;
    DigitServer server;
    try {
      server = launch(args, out, System.err);
    } catch (ExitException e) {
      System.exit(e.code);
      return;
    }
    if (server == null) return;
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "serve-shutdown"));
    server.awaitClose();
  }

  /**
   * Parses the command line and starts the server, printing the ready line on {@code out}; null
   * after {@code --help}. Exit codes travel in an {@link ExitException}: 1 for a bad model or an
   * address in use, 2 for bad usage.
   */
  static DigitServer launch(String[] args, PrintStream out, PrintStream err) {
    ServeConfig config = new ServeConfig();
    try {
      if (config.parseCommandLine("serving", args, out)) return null;
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println("Run with --help for the options.");
      throw new ExitException(2);
    }
    DigitServer server;
    try {
      server = start(config);
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      err.println("Serving failed: " + e.getMessage());
      throw new ExitException(1);
    }
    out.println("Serving " + server.modelSha256() + " on " + server.uri() + " (ready)");
    out.flush();
    return server;
  }

  /**
   * Binds, loads and warms up the model, then starts answering. A missing or unusable model is an
   * {@link IllegalArgumentException}; an address that cannot be bound an {@link
   * UncheckedIOException}.
   */
  public static DigitServer start(ServeConfig config) {
    NativeBuild.select(); // before the model loads ND4J
    LOG.info("Serving configuration: {}", config);
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    String where = config.host() + ":" + config.port();
    if (address.isUnresolved())
      throw new IllegalArgumentException("Cannot listen on " + where + ": unknown host");
    int cores = Runtime.getRuntime().availableProcessors();
    int instances = Math.max(1, Math.min(4, cores));
    // Bound first, so that a port in use fails before seconds of model loading; connections wait in
    // the backlog.
    Connections connections = Connections.bind(address, config, 2 * instances);
    try {
      long loading = System.nanoTime();
      // ONNX Runtime: one session of one intra-op thread, shared by the requests at work (its run
      // is thread-safe);
      // DL4J: one network copy per request at work
      ModelArtifacts artifacts =
          ModelArtifacts.read(config.model(), Storage.conf(), config.engine());
      Predictor first = Predictor.of(artifacts, 1);
      PredictorPool model = PredictorPool.of(first, instances);
      // the same model for the browser at /web/ (bin/export-web's folder): the ONNX bytes ONNX
      // Runtime runs here,
      // or, on DL4J, the model's export read when a visitor first asks for it
      AtomicReference<WebExport> web = new AtomicReference<>();
      WebHandler webHandler =
          new WebHandler(
              () ->
                  web.updateAndGet(
                      w ->
                          w != null
                              ? w
                              : WebExport.of(
                                  artifacts.onnx() != null
                                      ? artifacts
                                      : ModelArtifacts.read(
                                          config.model(), Storage.conf(), Engine.ONNX))));
      LOG.info(
          "Loaded model {} ({}) on {} for {} request(s) at once in {} ms",
          first.sha256().substring(0, 12),
          first.source(),
          first.engine().label(),
          instances,
          (System.nanoTime() - loading) / 1_000_000);
      warmUp(model);
      HttpServer http = connections.http;
      http.createContext(PredictHandler.PATH, new PredictHandler(model));
      http.createContext(
          "/api/health",
          exchange -> {
            try {
              String method = exchange.getRequestMethod();
              if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                Exchanges.error(
                    exchange,
                    405,
                    "Cannot report health: method " + method + " is not allowed, use GET");
                return;
              }
              Map<String, Object> health = new LinkedHashMap<>();
              health.put("status", "ready");
              health.put("model", first.sha256());
              health.put("engine", first.engine().label());
              if (first.onnxSha256() != null) health.put("onnxSha256", first.onnxSha256());
              health.put("instances", model.size());
              // ND4J's natives only where ND4J runs the model: on ONNX Runtime the server never
              // loads them
              if (first.engine() == Engine.DL4J) health.put("natives", LoadedNatives.describe());
              // which model a page at /web/ gets: this one (its model.json says the same)
              Map<String, Object> page = new LinkedHashMap<>();
              page.put("path", WebHandler.PATH + "/");
              page.put("modelSha256", first.sha256());
              WebExport built = web.get();
              String onnx =
                  artifacts.onnxSha256() != null
                      ? artifacts.onnxSha256()
                      : built != null ? built.onnxSha256() : null;
              if (onnx != null) page.put("onnxSha256", onnx);
              page.put("runtime", WebExport.runtime());
              health.put("web", page);
              Exchanges.json(exchange, 200, health);
            } catch (RuntimeException | Error e) { // an empty 200 would read as healthy
              LOG.error("Cannot report health", e);
              Exchanges.error(exchange, 500, "Cannot report health: " + e);
            } finally {
              exchange.close();
            }
          });
      http.createContext(WebHandler.PATH, webHandler);
      http.createContext("/", new PageHandler());
      connections.start();
      InetAddress bound = address.getAddress();
      if (!bound.isLoopbackAddress()) {
        LOG.warn(
            "Listening on {}, not loopback: anyone who can reach this address can use the model",
            bound);
      }
      warmUpHttp(
          bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound, connections.port());
      // the in-browser folder of a model already in ONNX form costs no export: ready it for the
      // first visitor
      if (artifacts.onnx() != null) webHandler.prepareInBackground();
      LOG.info(
          "Limits: {} connections, {} s for a first request's headers, {} s idle, bodies at >= {} bytes/s, "
              + "{} requests at work and {} waiting for up to {} s",
          config.maxConnections(),
          config.headerTimeout(),
          config.idleTimeout(),
          config.minBodyRate(),
          2 * instances,
          config.maxWaiting(),
          config.maxWait());
      return new DigitServer(
          connections, model, first.sha256(), uri(config.host(), connections.port()));
    } catch (RuntimeException | Error e) {
      connections.stop(0);
      throw e;
    }
  }

  /**
   * Runs what the first request will run (PNG decoding, preprocessing, every network copy, JSON),
   * so that it finds natives loaded, workspaces allocated and the hot code compiled.
   */
  private static void warmUp(PredictorPool model) {
    long start = System.nanoTime();
    byte[] png = CanvasSample.seven();
    byte[] pixels = null;
    for (int i = 0; i < 20; i++) pixels = ImagePreprocessor.toMnist(png);
    byte[] seven = pixels;
    model.forEach(
        p -> {
          for (int i = 0; i < 10; i++) p.predict(seven);
        });
    Predictor.Prediction prediction = model.with(p -> p.predict(seven));
    try {
      io.digitclassifier.storage.Json.MAPPER.writeValueAsBytes(prediction);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LOG.info(
        "Warmed up in {} ms (a drawn 7 reads as {})",
        (System.nanoTime() - start) / 1_000_000,
        prediction.label());
  }

  /**
   * Sends the server a raw PNG and a JSON data URL over a plain socket before it is announced, so
   * that the JDK server's own classes and the handlers are loaded and run once: without this the
   * first visitor's answer takes about 130 ms instead of a few.
   */
  private static void warmUpHttp(InetAddress address, int port) {
    long start = System.nanoTime();
    byte[] png = CanvasSample.seven();
    byte[] json =
        ("{\"image\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\"}")
            .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 3; i++) {
      selfRequest(address, port, "image/png", png);
      selfRequest(address, port, "application/json", json);
    }
    LOG.info("Warmed up the HTTP path in {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  private static void selfRequest(InetAddress address, int port, String contentType, byte[] body) {
    try (Socket socket = new Socket(address, port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                  + contentType
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String status =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
              .lines()
              .findFirst()
              .orElse("");
      if (!status.startsWith("HTTP/1.1 200"))
        throw new IllegalStateException("Cannot warm up: the server answered " + status);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot warm up: " + e.getMessage(), e);
    }
  }

  static URI uri(String host, int port) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port + "/");
  }

  /** The page's address, with the port actually bound (when the configuration said 0). */
  public URI uri() {
    return uri;
  }

  /** The SHA-256 of the model.zip being served. */
  public String modelSha256() {
    return sha256;
  }

  /** Blocks until {@link #close()}. */
  public void awaitClose() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops accepting, lets requests in progress finish (up to a second) and releases the threads.
   */
  @Override
  public void close() {
    if (closed.getAndIncrement() > 0) return;
    http.stop(1000);
    LOG.info("Stopped serving on {}", uri);
    stopped.countDown();
  }

  /** How {@link #launch} reports an exit code without exiting the JVM, so tests can call it. */
  static final class ExitException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;

    ExitException(int code) {
      super("exit " + code, null, false, false);
      this.code = code;
    }
  }
}
