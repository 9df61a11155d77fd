package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.TestModels;
import io.digitclassifier.image.CanvasSample;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server under clients that are slow, idle or many, on 127.0.0.1, bounded in count and time:
 * slow-header and slow-body clients while a drawn digit is answered within a second, idle
 * kept-alive connections closed, a burst answered or refused with 503 and {@code Retry-After}, none
 * hanging, and the heap no larger afterwards.
 */
class HostileClientsTest {
  static final double HEADER_TIMEOUT = 2;
  static final double IDLE_TIMEOUT = 1.5;
  static final int MAX_WAITING = 4;
  static final double REQUEST_TIMEOUT = 4;

  private static DigitServer server;
  private static HttpClient client;
  private static byte[] seven;

  @BeforeAll
  static void startServer() {
    server =
        DigitServer.start(
            ServeConfig.parse(
                "--model",
                TestModels.lenet().toString(),
                "--port",
                "0",
                "--header-timeout",
                "" + HEADER_TIMEOUT,
                "--idle-timeout",
                "" + IDLE_TIMEOUT,
                "--max-waiting",
                "" + MAX_WAITING,
                "--max-wait",
                "2",
                "--request-timeout",
                "" + REQUEST_TIMEOUT));
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    seven = CanvasSample.seven();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) server.close();
  }

  private static HttpRequest predict() {
    return HttpRequest.newBuilder(server.uri().resolve("api/predict"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(seven))
        .build();
  }

  /**
   * A drawn 7 posted by a well-behaved client: the answer and how long it took, in milliseconds.
   */
  private static long timedPredict() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> response = client.send(predict(), HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("\"label\":7");
    return ms;
  }

  private static Socket open() throws IOException {
    Socket socket = new Socket(server.uri().getHost(), server.uri().getPort());
    socket.setSoTimeout(10_000);
    return socket;
  }

  /**
   * Seconds until the server closes {@code socket} (read gives -1 or a reset), reading whatever it
   * sends first.
   */
  private static double secondsUntilClosed(Socket socket, long startNanos, double atMost)
      throws IOException {
    socket.setSoTimeout((int) (atMost * 1000));
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // a response (an error status) may come first
      }
    } catch (SocketTimeoutException e) {
      return Double.POSITIVE_INFINITY;
    } catch (IOException e) {
      // reset by the server: closed as well
    }
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** {@code n} connections, each having sent {@code head} and then {@code body}, and no more. */
  private static List<Socket> openSending(int n, String head, byte[] body) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Socket s = open();
        sockets.add(s);
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
      }
      return sockets;
    } catch (IOException e) {
      for (Socket s : sockets) s.close();
      throw e;
    }
  }

  /** The line and headers of a PNG prediction whose body is {@code length} bytes. */
  private static String postHeaders(int length) {
    return "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: "
        + length
        + "\r\n\r\n";
  }

  /**
   * {@code n} drawn digits posted at once on their own connections; waits (20 s at most) for every
   * answer.
   */
  private static List<HttpResponse<String>> burst(int n) throws Exception {
    HttpClient many = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < n; i++)
      sent.add(many.sendAsync(predict(), HttpResponse.BodyHandlers.ofString()));
    CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : sent) answers.add(f.get());
    return answers;
  }

  /**
   * Started: writes {@code bytes} to each socket every {@code pauseMs}, {@code rounds} times,
   * ignoring closed ones.
   */
  private static Thread trickle(List<Socket> sockets, byte[] bytes, int rounds, long pauseMs) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (int round = 0; round < rounds; round++) {
                  for (Socket s : sockets) {
                    try {
                      s.getOutputStream().write(bytes);
                    } catch (IOException closed) {
                      // the server closed it: what the tests wait for
                    }
                  }
                  Thread.sleep(pauseMs);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "trickle");
    t.start();
    return t;
  }

  @Test
  void aHundredSlowHeaderClientsDoNotKeepADrawnDigitWaitingAndAreClosed() throws Exception {
    long opened = System.nanoTime();
    List<Socket> slow =
        openSending(100, "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n", new byte[0]);
    try {
      // a byte now and then, as a slow-headers attack sends them, so that the idle timeout alone
      // would not end it
      Thread trickle = trickle(slow, new byte[] {'X'}, 20, 200);

      for (int i = 0; i < 5; i++)
        assertThat(timedPredict()).as("a drawn digit, with 100 slow clients").isLessThan(1000);

      for (Socket s : slow) {
        double closedAfter = secondsUntilClosed(s, opened, HEADER_TIMEOUT + 3);
        assertThat(closedAfter)
            .as("a slow-headers connection, closed after the %s s header timeout", HEADER_TIMEOUT)
            .isBetween(HEADER_TIMEOUT * 0.9, HEADER_TIMEOUT + 3);
      }
      trickle.interrupt();
      trickle.join();
    } finally {
      for (Socket s : slow) s.close();
    }
  }

  @Test
  void aSlowBodyIsCutOffWhileOthersAreAnswered() throws Exception {
    long started = System.nanoTime();
    List<Socket> slow = openSending(20, postHeaders(500_000), new byte[0]);
    try {
      Thread trickle = trickle(slow, new byte[100], 100, 100); // 1 KB/s each, far under 16 KB/s
      for (int i = 0; i < 5; i++)
        assertThat(timedPredict()).as("a drawn digit, with 20 slow bodies").isLessThan(1000);
      for (Socket s : slow) {
        assertThat(secondsUntilClosed(s, started, 10))
            .as("a body at 1 KB/s, cut off")
            .isLessThan(10);
      }
      trickle.interrupt();
      trickle.join();
    } finally {
      for (Socket s : slow) s.close();
    }
  }

  @Test
  void anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      // the response, kept alive: read its head and its declared body
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
      assertThat(head.toString()).startsWith("HTTP/1.1 200");
      int length =
          Integer.parseInt(
              head.toString().replaceAll("(?s).*[Cc]ontent-[Ll]ength: (\\d+).*", "$1"));
      in.readNBytes(length);
      long answered = System.nanoTime();

      double closedAfter = secondsUntilClosed(s, answered, IDLE_TIMEOUT + 3);

      assertThat(closedAfter)
          .as("an idle kept-alive connection, closed after the %s s idle timeout", IDLE_TIMEOUT)
          .isBetween(IDLE_TIMEOUT * 0.9, IDLE_TIMEOUT + 1.5);
    }
  }

  @Test
  void aBurstIsAnsweredOrRefusedWith503AndRetryAfterNoneHanging() throws Exception {
    int answered = 0;
    int refused = 0;
    for (HttpResponse<String> r : burst(64)) {
      if (r.statusCode() == 200) {
        answered++;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(io.digitclassifier.storage.Json.MAPPER.readTree(r.body()).get("error").asText())
            .startsWith("Cannot predict now: the server is busy");
        refused++;
      }
    }
    assertThat(answered + refused).isEqualTo(64);
    assertThat(answered)
        .as("answered (at work and waiting are %d)", MAX_WAITING)
        .isGreaterThanOrEqualTo(MAX_WAITING);
    assertThat(refused).as("refused at once rather than queued").isGreaterThan(0);
    // and the server is itself again at once
    assertThat(timedPredict()).isLessThan(1000);
  }

  /**
   * The status line, head and body of one response read from {@code socket} (by its
   * Content-Length).
   */
  private static String readResponse(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    int c;
    while (!head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0) head.append((char) c);
    String h = head.toString();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(h);
    byte[] body = m.find() ? in.readNBytes(Integer.parseInt(m.group(1))) : new byte[0];
    return h + new String(body, StandardCharsets.UTF_8);
  }

  /** The {@code error} of a raw response's JSON body. */
  private static String errorOf(String response) throws IOException {
    return io.digitclassifier.storage.Json.MAPPER
        .readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
        .get("error")
        .asText();
  }

  private static HttpResponse<String> health() throws Exception {
    return client.send(
        HttpRequest.newBuilder(server.uri().resolve("api/health"))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void bodiesDeclaredOverTheLimitAre413AtOnceUnreadAndClosedWhileOthersAreAnswered()
      throws Exception {
    // more of them than there are requests at work and waiting: before, each took a turn and held
    // it for ever
    int n = 2 * 4 + MAX_WAITING + 2;
    long started = System.nanoTime();
    List<Socket> oversize = openSending(n, postHeaders(2_000_000), new byte[0]);
    try {
      Thread trickle = trickle(oversize, new byte[] {'x'}, 10, 500);
      for (Socket s : oversize) {
        String answer = readResponse(s);
        assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
        assertThat(errorOf(answer))
            .isEqualTo(
                "Cannot predict: the request body is 2000000 bytes, larger than the "
                    + "1048576-byte (1 MiB) limit");
      }
      assertThat((System.nanoTime() - started) / 1e9).as("every 413, seconds").isLessThan(3);
      for (int i = 0; i < 3; i++)
        assertThat(timedPredict()).as("a drawn digit meanwhile").isLessThan(1000);
      assertThat(health().statusCode()).isEqualTo(200);
      for (Socket s : oversize)
        assertThat(secondsUntilClosed(s, started, 5)).as("closed after its 413").isLessThan(5);
      trickle.interrupt();
      trickle.join();
    } finally {
      for (Socket s : oversize) s.close();
    }
  }

  @Test
  void slowHeadersOfALaterRequestOnAKeptAliveConnectionAreCutOff() throws Exception {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readResponse(s)).startsWith("HTTP/1.1 200");
      long answered = System.nanoTime();
      // the second request's headers, a line every 300 ms: the idle timeout alone never trips
      out.write(
          "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      Thread trickle =
          trickle(List.of(s), "X-A: b\r\n".getBytes(StandardCharsets.US_ASCII), 40, 300);
      double closedAfter = secondsUntilClosed(s, answered, IDLE_TIMEOUT + HEADER_TIMEOUT + 4);
      trickle.interrupt();
      trickle.join();
      assertThat(closedAfter)
          .as("closed after the idle + header timeouts (%s s)", IDLE_TIMEOUT + HEADER_TIMEOUT)
          .isBetween((IDLE_TIMEOUT + HEADER_TIMEOUT) * 0.9, IDLE_TIMEOUT + HEADER_TIMEOUT + 2);
    }
  }

  @Test
  void aBodyAboveTheMinimumRateIsStillCutOffAtTheRequestDeadline() throws Exception {
    long started = System.nanoTime();
    List<Socket> slow = openSending(4, postHeaders(1_000_000), new byte[0]);
    try {
      // 20 KB/s, above the 16 KB/s minimum: 50 s for the megabyte, past the 4 s request deadline
      Thread trickle = trickle(slow, new byte[2000], 100, 100);
      for (int i = 0; i < 3; i++)
        assertThat(timedPredict()).as("a drawn digit meanwhile").isLessThan(1000);
      for (Socket s : slow) {
        assertThat(secondsUntilClosed(s, started, REQUEST_TIMEOUT + 4))
            .as("closed at the request deadline")
            .isBetween(REQUEST_TIMEOUT * 0.9, REQUEST_TIMEOUT + 2);
      }
      trickle.interrupt();
      trickle.join();
    } finally {
      for (Socket s : slow) s.close();
    }
  }

  /**
   * Bodies that trickle in under --min-body-rate (16 KB/s by default; here 5 KB/s, within the size
   * limit) are answered 408 soon after the one-second grace, and the answer reaches clients that
   * are still sending. The connection closes at once, without the 413's and 403's short discard: a
   * trickling client has too little in flight for the close to reset the connection under the
   * answer.
   */
  @Test
  void aBodySlowerThanTheMinimumRateIsAnswered408WhileItIsStillBeingSent() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    List<Thread> senders = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        Socket s = open();
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                    + "Content-Length: 200000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Thread sender =
            new Thread(
                () -> {
                  byte[] piece = new byte[500];
                  try {
                    for (int k = 0; k < 100; k++) {
                      out.write(piece);
                      out.flush();
                      Thread.sleep(100);
                    }
                  } catch (IOException | InterruptedException e) {
                    // closed by the server, or stopped by the test
                  }
                });
        sender.start();
        senders.add(sender);
      }
      long start = System.nanoTime();
      for (int i = 0; i < sockets.size(); i++) {
        String answer;
        try {
          answer = readResponse(sockets.get(i));
        } catch (IOException e) {
          throw new AssertionError("connection " + i + ": no answer, " + e, e);
        }
        assertThat(answer).as("connection %d", i).startsWith("HTTP/1.1 408");
        assertThat(errorOf(answer))
            .matches(
                "Cannot predict: the request body arrives at \\d+ bytes/s, slower than the 16384"
                    + " bytes/s minimum");
      }
      assertThat((System.nanoTime() - start) / 1e9).as("seconds to the last answer").isLessThan(5);
    } finally {
      for (Thread t : senders) t.interrupt();
      for (Socket s : sockets) s.close();
    }
  }

  @Test
  void aForeignHostIsRefusedBeforeAnythingIsRead() throws Exception {
    int port = server.uri().getPort();
    for (String host :
        List.of("evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port)) {
      try (Socket s = open()) {
        s.getOutputStream()
            .write(
                ("POST /api/predict HTTP/1.1\r\nHost: "
                        + host
                        + "\r\nContent-Type: image/png\r\n"
                        + "Content-Length: 2000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        String answer = readResponse(s);
        assertThat(answer).startsWith("HTTP/1.1 403");
        assertThat(errorOf(answer))
            .startsWith("Cannot answer: Host '" + host + "' is not this server's name or address");
        assertThat(answer).doesNotContain("Exception", "\tat ");
      }
    }
    for (String host :
        List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port)) {
      try (Socket s = open()) {
        s.getOutputStream()
            .write(
                ("GET /api/health HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(readResponse(s)).as(host).startsWith("HTTP/1.1 200");
      }
    }
  }

  /**
   * A client that sends its body right after the headers, as most do, to a foreign Host still reads
   * the refusal: closing on the unread body would reset the connection under the answer.
   */
  @Test
  void aForeignHostsRefusalReachesAClientStillSendingItsBody() throws Exception {
    byte[] body = new byte[1 << 20];
    for (int i = 0; i < 50; i++) {
      try (Socket s = open()) {
        // as a plain client does: the whole request written, then the answer read
        OutputStream out = s.getOutputStream();
        try {
          out.write(
              ("POST /api/predict HTTP/1.1\r\nHost: evil.example\r\nContent-Type: image/png\r\n"
                      + "Content-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(body);
        } catch (IOException e) {
          throw new AssertionError("attempt " + i + ": the request could not be sent, " + e, e);
        }
        String answer;
        try {
          answer = readResponse(s);
        } catch (IOException e) {
          throw new AssertionError("attempt " + i + ": no answer, " + e, e);
        }
        assertThat(answer).as("attempt %d", i).startsWith("HTTP/1.1 403");
      }
    }
  }

  @Test
  void hostileImagesAre400WithinTheirLimitsWhileADrawnDigitIsAnswered() throws Exception {
    byte[] deep = io.digitclassifier.image.HostileImages.png16BitRgba(4096);
    List<HttpRequest> hostile = new ArrayList<>();
    for (int i = 0; i < 8; i++)
      hostile.add(post("image/png", deep)); // the 16-bit 4096x4096 RGBA PNG, 8 at once
    byte[] bomb = io.digitclassifier.image.HostileImages.bmp(5, 2L << 30);
    hostile.add(post("image/png", bomb));
    hostile.add(post("image/png", io.digitclassifier.image.HostileImages.bmp(5, 768L << 20)));
    hostile.add(
        post(
            "application/json",
            ("{\"image\": \"data:image/png;base64,"
                    + java.util.Base64.getEncoder().encodeToString(bomb)
                    + "\"}")
                .getBytes(StandardCharsets.US_ASCII)));
    hostile.add(
        post(
            "image/png",
            io.digitclassifier.image.HostileImages.progressiveJpegWithScans(4096, 3000)));
    long started = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (HttpRequest r : hostile)
      sent.add(client.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
    long drawn = timedPredict();
    CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(drawn).as("a drawn digit among them, ms").isLessThan(1000);
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isIn(400, 503);
      assertThat(io.digitclassifier.storage.Json.MAPPER.readTree(r.body()).has("error"))
          .as(r.body())
          .isTrue();
      assertThat(r.body()).doesNotContain("Exception", "\tat ");
      if (r.statusCode() == 400) {
        assertThat(r.body())
            .containsAnyOf(
                "PNG refused: 4096x4096 pixels at 64 bits",
                "BMP refused: compression 5",
                "JPEG refused: more than 64 progressive scans");
      }
    }
    assertThat(seconds).as("all of them answered, seconds").isLessThan(5);
  }

  private static HttpRequest post(String type, byte[] body) {
    return HttpRequest.newBuilder(server.uri().resolve("api/predict"))
        .timeout(Duration.ofSeconds(15))
        .header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  @Test
  void theHeapStaysBoundedThroughItAll() throws Exception {
    long before = usedHeapAfterGc();
    for (int round = 0; round < 3; round++) {
      List<Socket> slow = openSending(100, postHeaders(1_000_000), new byte[8192]);
      burst(64);
      for (Socket s : slow) s.close();
    }
    long after = usedHeapAfterGc();
    assertThat((after - before) >> 20)
        .as("heap grown by (MiB), %d MiB before", before >> 20)
        .isLessThan(64);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
