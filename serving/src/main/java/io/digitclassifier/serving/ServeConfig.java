package io.digitclassifier.serving;

/**
 * The resolved, immutable configuration of one server.
 *
 * @param model a training output directory or its {@code model.zip}
 * @param host the address to listen on; loopback unless the user asks for more
 * @param port the TCP port; 0 picks a free one (tests, benchmarks)
 * @param maxConnections open connections at most; beyond them new ones wait in the listen backlog, and idle ones
 *     are closed after a second
 * @param headerTimeout seconds a new connection has to send its first request's line and headers
 * @param idleTimeout seconds a connection may stay silent: a kept-alive one between requests, or any in the middle
 *     of a request
 * @param minBodyRate bytes per second a request's body must arrive at, at least
 * @param maxWaiting requests waiting for their turn (a model instance) at most; more are refused with 503
 * @param maxWait seconds a request may wait for its turn before it is refused with 503
 */
public record ServeConfig(String model, String host, int port, int maxConnections, double headerTimeout,
    double idleTimeout, int minBodyRate, int maxWaiting, double maxWait) {

  /** The default address: loopback, so the model is not reachable from other machines unless asked for. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final double DEFAULT_HEADER_TIMEOUT = 5;
  public static final double DEFAULT_IDLE_TIMEOUT = 15;
  public static final int DEFAULT_MIN_BODY_RATE = 16384;
  public static final int DEFAULT_MAX_WAITING = 32;
  public static final double DEFAULT_MAX_WAIT = 5;

  public ServeConfig {
    if (model == null) throw new IllegalArgumentException("Cannot serve: --model is required (a training output directory or its model.zip)");
    if (host == null || host.isBlank()) throw new IllegalArgumentException("Cannot serve: --host is empty");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("Cannot serve: --port must be 0-65535, got " + port);
    if (maxConnections < 1) throw new IllegalArgumentException("Cannot serve: --max-connections must be >= 1, got " + maxConnections);
    positive("--header-timeout", headerTimeout);
    positive("--idle-timeout", idleTimeout);
    positive("--max-wait", maxWait);
    if (minBodyRate < 0) throw new IllegalArgumentException("Cannot serve: --min-body-rate must be >= 0, got " + minBodyRate);
    if (maxWaiting < 0) throw new IllegalArgumentException("Cannot serve: --max-waiting must be >= 0, got " + maxWaiting);
  }

  /** The model, address and port, with every limit at its default. */
  public ServeConfig(String model, String host, int port) {
    this(model, host, port, DEFAULT_MAX_CONNECTIONS, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
        DEFAULT_MIN_BODY_RATE, DEFAULT_MAX_WAITING, DEFAULT_MAX_WAIT);
  }

  private static void positive(String option, double seconds) {
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("Cannot serve: " + option + " must be a number of seconds > 0, got " + seconds);
    }
  }
}
