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

  /** The typed configuration; an invalid value is an {@link IllegalArgumentException} naming the option. */
  public ServeConfig toConfig() {
    return new ServeConfig(model, host == null ? null : host.trim(), port);
  }
}
