package io.digitclassifier.serving;

import io.digitclassifier.config.CommandOptions;
import io.digitclassifier.predict.Engine;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * bin/serve's options, each declared once (name, type, default, description: {@link
 * CommandOptions}), and the resolved configuration of one server (command line > {@code
 * conf/serving.properties} > built-in). The host is loopback unless the user asks for more; port 0
 * picks a free one (tests, benchmarks).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    description =
        "Serves the canvas page (draw a digit, the model names it) and POST /api/predict from a trained "
            + "model, loaded once and warmed up before the server says it is ready.")
public final class ServeConfig extends CommandOptions {
  private static final long serialVersionUID = 1L;

  @Option(
      names = "--model",
      description =
          "A training output directory or its model.zip (required; a local path or a Hadoop URI: hdfs://, s3a://).")
  private String model;

  @Option(
      names = "--engine",
      defaultValue = "onnx",
      description =
          "onnx: the model's ONNX export through ONNX Runtime; dl4j: the DL4J network itself (the reference).")
  private Engine engine;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on; 0.0.0.0 makes the page reachable from other machines.")
  private String host;

  @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 picks a free one.")
  private int port;

  @Option(
      names = "--max-connections",
      defaultValue = "256",
      description =
          "Open connections at most; beyond them new ones wait in the listen backlog and idle ones are closed after 1 s.")
  private int maxConnections;

  @Option(
      names = "--header-timeout",
      defaultValue = "5",
      description =
          "Seconds a connection has to send a request's line and headers: the first from connecting, each later one after the idle timeout.")
  private double headerTimeout;

  @Option(
      names = "--idle-timeout",
      defaultValue = "15",
      description =
          "Seconds a connection may stay silent: kept alive between requests, or stalled in one.")
  private double idleTimeout;

  @Option(
      names = "--min-body-rate",
      defaultValue = "16384",
      description = "Bytes per second a request body must arrive at, at least (0: no minimum).")
  private int minBodyRate;

  @Option(
      names = "--request-timeout",
      defaultValue = "30",
      description =
          "Seconds a request may take from its first byte to its answer's last; past it the connection is closed.")
  private double requestTimeout;

  @Option(
      names = "--allowed-hosts",
      split = ",",
      paramLabel = "HOST",
      description =
          "Names the Host header may carry besides localhost, the loopback addresses and the address listened on (DNS rebinding protection).")
  private List<String> allowedHosts = new ArrayList<>();

  @Option(
      names = "--max-waiting",
      defaultValue = "32",
      description =
          "Requests waiting for a model instance at most; more are refused at once with 503 and Retry-After.")
  private int maxWaiting;

  @Option(
      names = "--max-wait",
      defaultValue = "5",
      description =
          "Seconds a request may wait for a model instance before it is refused with 503.")
  private double maxWait;

  /** The options over the built-in defaults (no conf file), validated: tests. */
  public static ServeConfig parse(String... args) {
    return CommandOptions.parse(new ServeConfig(), args);
  }

  /** Checks what picocli cannot; also trims the host. */
  @Override
  public void validate() {
    if (model == null)
      throw new IllegalArgumentException(
          "Cannot serve: --model is required (a training output directory or its model.zip)");
    host = host == null ? null : host.trim();
    if (host == null || host.isBlank())
      throw new IllegalArgumentException("Cannot serve: --host is empty");
    if (port < 0 || port > 65535)
      throw new IllegalArgumentException("Cannot serve: --port must be 0-65535, got " + port);
    if (maxConnections < 1)
      throw new IllegalArgumentException(
          "Cannot serve: --max-connections must be >= 1, got " + maxConnections);
    positive("--header-timeout", headerTimeout);
    positive("--idle-timeout", idleTimeout);
    positive("--max-wait", maxWait);
    positive("--request-timeout", requestTimeout);
    if (minBodyRate < 0)
      throw new IllegalArgumentException(
          "Cannot serve: --min-body-rate must be >= 0, got " + minBodyRate);
    if (maxWaiting < 0)
      throw new IllegalArgumentException(
          "Cannot serve: --max-waiting must be >= 0, got " + maxWaiting);
  }

  public String model() {
    return model;
  }

  public double requestTimeout() {
    return requestTimeout;
  }

  public List<String> allowedHosts() {
    return allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }

  public Engine engine() {
    return engine;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int maxConnections() {
    return maxConnections;
  }

  public double headerTimeout() {
    return headerTimeout;
  }

  public double idleTimeout() {
    return idleTimeout;
  }

  public int minBodyRate() {
    return minBodyRate;
  }

  public int maxWaiting() {
    return maxWaiting;
  }

  public double maxWait() {
    return maxWait;
  }

  private static void positive(String option, double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException(
          "Cannot serve: " + option + " must be a number of seconds > 0, got " + seconds);
    }
  }
}
