package io.digitclassifier.benchmarks;

import io.digitclassifier.image.CanvasSample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Latency of the canvas server as a person meets it: starts {@code bin/serve} as its own process on
 * a free port, waits for its ready line, times the first request right after it, then sends {@code
 * --requests} sequential requests (after {@code --warm-up} untimed ones) of a drawn digit PNG and
 * prints the percentiles.
 *
 * <p>The client is the JDK's {@link HttpClient} on one keep-alive connection, as a browser tab
 * would use. Its own first-use cost (class loading, a connection pool) is paid against a throwaway
 * local server before the real one starts, so the first-answer figure is the server's.
 */
@Command(
    name = "benchmark-serve",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = "Starts the canvas server and measures its first answer and per-request latency.")
public final class ServeBenchmark implements Callable<Integer> {
  private static final Pattern READY = Pattern.compile("^Serving (\\S+) on (\\S+) \\(ready\\)$");

  @Option(
      names = "--model",
      defaultValue = "runs/quickstart",
      description = "Model directory or model.zip.")
  Path model;

  @Option(names = "--serve", defaultValue = "bin/serve", description = "The server's launcher.")
  Path serve;

  @Option(
      names = "--image",
      description = "PNG to send; default: a 7 drawn as the page's canvas draws it.")
  Path image;

  @Option(names = "--requests", defaultValue = "500", description = "Timed sequential requests.")
  int requests;

  @Option(
      names = "--warm-up",
      defaultValue = "20",
      description = "Untimed requests after the first one.")
  int warmUp;

  @Option(
      names = "--log",
      defaultValue = "target/benchmark-serve/server.log",
      description = "The server's stderr.")
  Path log;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "1,4,16,64",
      description =
          "Then, for each, that many clients at once, each sending one request after another.")
  int[] concurrency;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "How long each concurrency level runs.")
  double seconds;

  @Option(
      names = "--server-option",
      description = "Passed to bin/serve (repeat): --server-option=--max-waiting=8")
  java.util.List<String> serverOptions = new java.util.ArrayList<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new ServeBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    byte[] png = image == null ? CanvasSample.seven() : Files.readAllBytes(image);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    warmUpClient(client, png);

    Files.createDirectories(log.toAbsolutePath().getParent());
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(serve.toString(), "--model", model.toString(), "--port", "0"));
    command.addAll(serverOptions);
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile()));
    long launched = System.nanoTime();
    Process server = builder.start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      Matcher ready = null;
      for (String line; (line = out.readLine()) != null; ) {
        Matcher m = READY.matcher(line.trim());
        if (m.matches()) {
          ready = m;
          break;
        }
      }
      long readyAt = System.nanoTime();
      if (ready == null) {
        System.err.println("benchmark-serve: the server stopped before it was ready; see " + log);
        return 1;
      }
      URI predict = URI.create(ready.group(2)).resolve("/api/predict");
      HttpRequest request =
          HttpRequest.newBuilder(predict)
              .header("Content-Type", "image/png")
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofByteArray(png))
              .build();

      long t0 = System.nanoTime();
      String first = send(client, request);
      long firstAnswer = System.nanoTime();
      for (int i = 0; i < warmUp; i++) send(client, request);
      double[] ms = new double[requests];
      for (int i = 0; i < requests; i++) {
        long s = System.nanoTime();
        send(client, request);
        ms[i] = (System.nanoTime() - s) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT, "model %s; answer to the first request: %s%n", ready.group(1), first);
      System.out.printf(
          Locale.ROOT,
          "start to ready: %.1f s (JVM start, model load, warm-up)%n",
          (readyAt - launched) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "first answer: %.1f ms after the ready line (request sent %.1f ms after it)%n",
          (firstAnswer - readyAt) / 1e6,
          (t0 - readyAt) / 1e6);
      System.out.printf(
          Locale.ROOT,
          "%d sequential requests (%d-byte PNG, after %d warm-up): p50 %.2f ms, "
              + "p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms%n",
          requests,
          png.length,
          warmUp,
          percentile(ms, 50),
          percentile(ms, 90),
          percentile(ms, 99),
          ms[ms.length - 1],
          mean(ms));
      if (concurrency.length > 0) {
        System.out.printf(
            Locale.ROOT,
            "%nconcurrency sweep, %.0f s per level; a refused client waits the Retry-After "
                + "the server sends, as a well-behaved one does%n",
            seconds);
        System.out.printf(
            Locale.ROOT,
            "%8s %12s %9s %9s %9s %9s%n",
            "clients",
            "answered/s",
            "p50 ms",
            "p99 ms",
            "refused",
            "failed");
        for (int c : concurrency) sweep(request, c);
      }
      return 0;
    } finally {
      server.destroy();
      if (!server.waitFor(10, TimeUnit.SECONDS)) server.destroyForcibly();
    }
  }

  /**
   * {@code clients} threads sending one request after another for {@link #seconds}; prints one row.
   */
  private void sweep(HttpRequest request, int clients) throws InterruptedException {
    HttpClient shared =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    java.util.concurrent.ConcurrentLinkedQueue<Double> latencies =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Thread t =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  long start = System.nanoTime();
                  try {
                    HttpResponse<String> r =
                        shared.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                      latencies.add((System.nanoTime() - start) / 1e6);
                    } else if (r.statusCode() == 503) {
                      refused.incrementAndGet();
                      long wait = r.headers().firstValueAsLong("Retry-After").orElse(1) * 1000;
                      Thread.sleep(
                          Math.max(0, Math.min(wait, (end - System.nanoTime()) / 1_000_000)));
                    } else {
                      failed.incrementAndGet();
                    }
                  } catch (IOException e) {
                    failed.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "client-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    double[] ms = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    long total = ms.length + refused.get() + failed.get();
    System.out.printf(
        Locale.ROOT,
        "%8d %12.1f %9.2f %9.2f %8.1f%% %9d%n",
        clients,
        ms.length / seconds,
        ms.length == 0 ? 0 : percentile(ms, 50),
        ms.length == 0 ? 0 : percentile(ms, 99),
        total == 0 ? 0 : 100.0 * refused.get() / total,
        failed.get());
    System.out.printf(
        Locale.ROOT,
        "RESULT clients=%d answeredPerSec=%.1f p50Ms=%.2f p99Ms=%.2f refused=%d failed=%d "
            + "answered=%d%n",
        clients,
        ms.length / seconds,
        ms.length == 0 ? 0 : percentile(ms, 50),
        ms.length == 0 ? 0 : percentile(ms, 99),
        refused.get(),
        failed.get(),
        ms.length);
  }

  private static String send(HttpClient client, HttpRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "HTTP " + response.statusCode() + " from " + request.uri() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * Pays the client's one-time costs against a local stand-in, so they do not count as the
   * server's.
   */
  private static void warmUpClient(HttpClient client, byte[] png)
      throws IOException, InterruptedException {
    try (java.net.ServerSocket standIn =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread answer =
          new Thread(
              () -> {
                byte[] body = "{\"label\":0,\"probabilities\":[]}".getBytes(StandardCharsets.UTF_8);
                int answered = 0;
                while (answered < 3) {
                  try (java.net.Socket s = standIn.accept()) {
                    var in = new java.io.BufferedInputStream(s.getInputStream());
                    while (answered < 3) {
                      // one request: headers up to the blank line, then Content-Length bytes
                      StringBuilder head = new StringBuilder();
                      while (!head.toString().endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) break;
                        head.append((char) c);
                      }
                      if (!head.toString().endsWith("\r\n\r\n"))
                        break; // the client closed: it opens another
                      Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                      in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                      s.getOutputStream()
                          .write(
                              ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                      + body.length
                                      + "\r\n\r\n")
                                  .getBytes(StandardCharsets.US_ASCII));
                      s.getOutputStream().write(body);
                      s.getOutputStream().flush();
                      answered++;
                    }
                  } catch (IOException e) {
                    return; // the warm-up's requests fail and say so
                  }
                }
              },
              "stand-in");
      answer.setDaemon(true);
      answer.start();
      URI uri = URI.create("http://127.0.0.1:" + standIn.getLocalPort() + "/api/predict");
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .header("Content-Type", "image/png")
              .POST(HttpRequest.BodyPublishers.ofByteArray(png))
              .build();
      for (int i = 0; i < 3; i++) send(client, request);
    }
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) sum += v;
    return sum / values.length;
  }
}
