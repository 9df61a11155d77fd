package io.digitclassifier.serving;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** bin/serve's command line: each option once, with its default and description side by side. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = "Serves the canvas page (draw a digit, the model names it) and POST /api/predict from a trained "
        + "model, loaded once and warmed up before the server says it is ready.")
public class ServeOptions {

  @Option(names = "--model", description = "A training output directory or its model.zip (required; a local path or a Hadoop URI: hdfs://, s3a://).")
  String model;

  @Option(names = "--host", defaultValue = ServeConfig.DEFAULT_HOST,
      description = "Address to listen on; 0.0.0.0 makes the page reachable from other machines.")
  String host;

  @Option(names = "--port", defaultValue = "" + ServeConfig.DEFAULT_PORT, description = "TCP port; 0 picks a free one.")
  int port;

  @Option(names = "--max-connections", defaultValue = "" + ServeConfig.DEFAULT_MAX_CONNECTIONS,
      description = "Open connections at most; beyond them new ones wait in the listen backlog and idle ones are closed after 1 s.")
  int maxConnections;

  @Option(names = "--header-timeout", defaultValue = "" + ServeConfig.DEFAULT_HEADER_TIMEOUT,
      description = "Seconds a new connection has to send its first request's line and headers.")
  double headerTimeout;

  @Option(names = "--idle-timeout", defaultValue = "" + ServeConfig.DEFAULT_IDLE_TIMEOUT,
      description = "Seconds a connection may stay silent: kept alive between requests, or stalled in one.")
  double idleTimeout;

  @Option(names = "--min-body-rate", defaultValue = "" + ServeConfig.DEFAULT_MIN_BODY_RATE,
      description = "Bytes per second a request body must arrive at, at least (0: no minimum).")
  int minBodyRate;

  @Option(names = "--max-waiting", defaultValue = "" + ServeConfig.DEFAULT_MAX_WAITING,
      description = "Requests waiting for a model instance at most; more are refused at once with 503 and Retry-After.")
  int maxWaiting;

  @Option(names = "--max-wait", defaultValue = "" + ServeConfig.DEFAULT_MAX_WAIT,
      description = "Seconds a request may wait for a model instance before it is refused with 503.")
  double maxWait;

  /** The typed configuration; an invalid value is an {@link IllegalArgumentException} naming the option. */
  public ServeConfig toConfig() {
    return new ServeConfig(model, host == null ? null : host.trim(), port, maxConnections, headerTimeout, idleTimeout,
        minBodyRate, maxWaiting, maxWait);
  }
}
