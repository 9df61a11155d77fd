package io.digitclassifier.serving;


/**
 * The resolved, immutable configuration of one server.
 *
 * @param model a training output directory or its {@code model.zip}
 * @param host the address to listen on; loopback unless the user asks for more
 * @param port the TCP port; 0 picks a free one (tests, benchmarks)
 */
public record ServeConfig(String model, String host, int port) {

  /** The default address: loopback, so the model is not reachable from other machines unless asked for. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The default port. */
  public static final int DEFAULT_PORT = 8080;

  public ServeConfig {
    if (model == null) throw new IllegalArgumentException("Cannot serve: --model is required (a training output directory or its model.zip)");
    if (host == null || host.isBlank()) throw new IllegalArgumentException("Cannot serve: --host is empty");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("Cannot serve: --port must be 0-65535, got " + port);
  }
}
