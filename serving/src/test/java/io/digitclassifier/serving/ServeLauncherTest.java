package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/serve's command line and its one-line failures, without a model (they fail before one is
 * needed).
 */
class ServeLauncherTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int launch(String... args) {
    try {
      DigitServer server =
          DigitServer.launch(
              args,
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      if (server != null) server.close();
      return 0;
    } catch (DigitServer.ExitException e) {
      return e.code;
    }
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsTheOptionsAndDefaults() {
    assertThat(launch("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "--model",
            "--host",
            "--port",
            "Default: 127.0.0.1",
            "Default: 8080",
            "Defaults: command line > ");
  }

  @Test
  void defaultsAreLoopbackAnd8080() {
    ServeConfig config = ServeConfig.parse("--model", "m");
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8080);
  }

  @Test
  void badUsageExits2() {
    assertThat(launch()).isEqualTo(2);
    assertThat(err())
        .contains(
            "Cannot serve: --model is required (a training output directory or its model.zip)");
    assertThat(launch("--model", "m", "--port", "70000")).isEqualTo(2);
    assertThat(err()).contains("Cannot serve: --port must be 0-65535, got 70000");
    assertThat(launch("--model", "m", "--colour", "red")).isEqualTo(2);
    assertThat(err()).contains("Unknown options: '--colour', 'red'");
  }

  @Test
  void missingOrBrokenModelExits1WithOneLine(@TempDir Path dir) throws Exception {
    assertThat(launch("--model", dir.toString(), "--port", "0")).isEqualTo(1);
    assertThat(err())
        .isEqualTo(
            "Serving failed: Cannot load model "
                + dir.resolve("model.zip")
                + ": no such file (expected a training output directory or its model.zip)"
                + System.lineSeparator());
    err.reset();
    Path broken = Files.writeString(dir.resolve("model.zip"), "not a zip");
    assertThat(launch("--model", broken.toString(), "--port", "0")).isEqualTo(1);
    assertThat(err())
        .startsWith(
            "Serving failed: Cannot load model "
                + broken
                + ": not a DL4J ComputationGraph model.zip");
  }

  @Test
  void portInUseFailsBeforeLoadingTheModel() throws Exception {
    try (java.net.ServerSocket other =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = other.getLocalPort();
      assertThatThrownBy(
              () ->
                  DigitServer.start(
                      ServeConfig.parse("--model", "no-such-model", "--port", "" + port)))
          .hasMessage("Cannot listen on 127.0.0.1:" + port + ": Address already in use");
    }
  }

  @Test
  void unknownHostIsRefused() {
    assertThatThrownBy(
            () ->
                DigitServer.start(
                    ServeConfig.parse(
                        "--model", "m", "--host", "no-such-host.invalid", "--port", "0")))
        .hasMessage("Cannot listen on no-such-host.invalid:0: unknown host");
  }

  @Test
  void uriBracketsIpv6() {
    assertThat(DigitServer.uri("::1", 8080)).hasToString("http://[::1]:8080/");
    assertThat(DigitServer.uri("127.0.0.1", 80)).hasToString("http://127.0.0.1:80/");
  }
}
