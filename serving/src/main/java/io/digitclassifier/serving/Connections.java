package io.digitclassifier.serving;

import com.sun.net.httpserver.HttpServer;
import io.digitclassifier.storage.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP engine under the canvas server: Jetty, reached through the JDK's {@code
 * com.sun.net.httpserver} API (jetty-http-spi), so the page's and the API's handlers are unchanged,
 * with a bound on everything a client can hold: connections ({@link NetworkConnectionLimit}), the
 * time to send the first request's headers (a listener that closes a connection which has sent no
 * complete request in time), silence on a connection (the connector's idle timeout), the size and
 * rate of a request body ({@link BodyFirst}, which also reads it before the request takes a turn),
 * and requests at work or waiting for a model instance ({@link QoSHandler}: beyond them, 503 with
 * {@code Retry-After}, never an endless queue).
 *
 * <p>Connections are served by a selector, not a thread each: a slow or idle client costs a few
 * kilobytes and no thread until its request is complete, so dozens of them do not keep anyone else
 * waiting.
 */
final class Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  /** What a refused request is told to wait before trying again, in seconds. */
  static final int RETRY_AFTER = 1;

  /** The idle timeout of every connection while the connection limit is reached. */
  static final long IDLE_AT_LIMIT_MS = 1000;

  final Server jetty;
  final ServerConnector connector;
  final HttpServer http;

  private Connections(Server jetty, ServerConnector connector, HttpServer http) {
    this.jetty = jetty;
    this.connector = connector;
    this.http = http;
  }

  /**
   * Binds {@code address} at once (so a port in use fails before the model loads) with every limit
   * of {@code config}; {@code atWork} requests are handled at once, the rest wait. Contexts are
   * added to {@link #http}, then {@link #start()}.
   */
  static Connections bind(InetSocketAddress address, ServeConfig config, int atWork) {
    QueuedThreadPool threads = new QueuedThreadPool(Math.max(8, atWork + 6), 2);
    threads.setName("serve");
    threads.setDaemon(true);
    Server jetty = new Server(threads);
    HttpConfiguration httpConfig = new HttpConfiguration();
    httpConfig.setSendServerVersion(false);
    httpConfig.setSendDateHeader(false);
    ServerConnector connector =
        new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(httpConfig));
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setAcceptQueueSize(64);
    connector.setIdleTimeout(millis(config.idleTimeout()));
    HeaderDeadline headers =
        new HeaderDeadline(connector, millis(config.headerTimeout()), millis(config.idleTimeout()));
    connector.addBean(headers);
    jetty.addConnector(connector);
    NetworkConnectionLimit limit = new NetworkConnectionLimit(config.maxConnections(), connector);
    limit.setEndPointIdleTimeout(IDLE_AT_LIMIT_MS);
    jetty.addBean(limit);

    ContextHandlerCollection contexts = new ContextHandlerCollection();
    QoSHandler admission = new Admission(config.maxWait());
    admission.setMaxRequestCount(atWork);
    admission.setMaxSuspendedRequestCount(config.maxWaiting());
    admission.setMaxSuspend(Duration.ofMillis(millis(config.maxWait())));
    admission.setHandler(contexts);
    // Only predictions take turns: the page and /api/health answer while predictions queue.
    admission.includePath(PredictHandler.PATH);
    // Outermost first: a foreign Host is refused before anything is read; every request has an
    // overall deadline,
    // and the next request's headers one after it; bodies are read whole before admission, without
    // a thread, at
    // the minimum rate (a declared oversize body is refused unread): a slow client holds neither a
    // thread nor a
    // turn at the model.
    BodyFirst bodies =
        new BodyFirst(admission, PredictHandler.MAX_BODY, config.minBodyRate(), connector);
    RequestDeadline deadline =
        new RequestDeadline(bodies, connector, millis(config.requestTimeout()), headers);
    jetty.setHandler(new HostCheck(deadline, HostCheck.allowed(address, config.allowedHosts())));
    String where = address.getHostString() + ":" + address.getPort();
    try {
      connector.open();
      JettyHttpServer http = new JettyHttpServer(jetty, true);
      http.bind(new InetSocketAddress(address.getAddress(), connector.getLocalPort()), 64);
      return new Connections(jetty, connector, http);
    } catch (IOException e) {
      try {
        connector.close();
      } catch (RuntimeException ignored) {
        // nothing was bound
      }
      // Jetty says "Failed to bind to /host:port"; the reason is its cause's ("Address already in
      // use")
      String reason =
          e.getCause() != null && e.getCause().getMessage() != null
              ? e.getCause().getMessage()
              : e.getMessage();
      throw new UncheckedIOException("Cannot listen on " + where + ": " + reason, e);
    }
  }

  void start() {
    try {
      jetty.start();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot start serving: " + e.getMessage(), e);
    }
  }

  /**
   * Stops accepting and closes every connection, after up to {@code graceMs} for requests in
   * progress.
   */
  void stop(long graceMs) {
    jetty.setStopTimeout(graceMs);
    try {
      jetty.stop();
    } catch (Exception e) {
      LOG.warn("Stopping the HTTP server: {}", e.toString());
    }
  }

  int port() {
    return connector.getLocalPort();
  }

  private static long millis(double seconds) {
    return Math.max(1, Math.round(seconds * 1000));
  }

  /**
   * Closes a connection whose next request line and headers do not arrive in time: the first within
   * {@code headerMs} of opening, each later one within {@code idleMs + headerMs} of the previous
   * request's end (a kept-alive connection may be silent for the idle timeout, then has the header
   * deadline). A slow-headers client ("slowloris") cannot hold a connection by sending a byte now
   * and then, which the idle timeout alone would allow, on its first request or any later one.
   * Jetty counts a request in {@link Connection#getMessagesIn()} once its headers are complete, so
   * "no new request since" is the check.
   */
  static final class HeaderDeadline implements Connection.Listener {
    private final ServerConnector connector;
    private final long headerMs;
    private final long idleMs;

    HeaderDeadline(ServerConnector connector, long headerMs, long idleMs) {
      this.connector = connector;
      this.headerMs = headerMs;
      this.idleMs = idleMs;
    }

    @Override
    public void onOpened(Connection connection) {
      watch(connection, headerMs);
    }

    /**
     * A request on {@code connection} has ended: the next one's headers are due within idle +
     * header time.
     */
    void requestEnded(Connection connection) {
      watch(connection, idleMs + headerMs);
    }

    private void watch(Connection connection, long ms) {
      long requestsSoFar = connection.getMessagesIn();
      connector
          .getScheduler()
          .schedule(
              () -> {
                if (connection.getMessagesIn() == requestsSoFar
                    && connection.getEndPoint().isOpen()) {
                  LOG.debug(
                      "Closing {}: no complete request line and headers in {} ms",
                      connection.getEndPoint().getRemoteSocketAddress(),
                      ms);
                  connection.getEndPoint().close();
                }
              },
              ms,
              TimeUnit.MILLISECONDS);
    }

    @Override
    public void onClosed(Connection connection) {}
  }

  /**
   * Gives every request an overall deadline from its first byte ({@code --request-timeout}): past
   * it the connection is closed, whatever the request is doing (a body trickling just above the
   * minimum rate, an answer read slowly). Also tells {@link HeaderDeadline} when a request ends, so
   * the next request's headers get their deadline.
   */
  static final class RequestDeadline extends org.eclipse.jetty.server.Handler.Wrapper {
    private final ServerConnector connector;
    private final long deadlineMs;
    private final HeaderDeadline headers;

    RequestDeadline(
        org.eclipse.jetty.server.Handler next,
        ServerConnector connector,
        long deadlineMs,
        HeaderDeadline headers) {
      super(next);
      this.connector = connector;
      this.deadlineMs = deadlineMs;
      this.headers = headers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Connection connection = request.getConnectionMetaData().getConnection();
      long elapsedMs =
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.getBeginNanoTime());
      org.eclipse.jetty.util.thread.Scheduler.Task timer =
          connector
              .getScheduler()
              .schedule(
                  () -> {
                    if (connection.getEndPoint().isOpen()) {
                      LOG.debug(
                          "Closing {}: its request took longer than {} ms",
                          connection.getEndPoint().getRemoteSocketAddress(),
                          deadlineMs);
                      connection
                          .getEndPoint()
                          .close(new java.util.concurrent.TimeoutException("request deadline"));
                    }
                  },
                  Math.max(0, deadlineMs - elapsedMs),
                  TimeUnit.MILLISECONDS);
      Request.addCompletionListener(
          request,
          failure -> {
            timer.cancel();
            headers.requestEnded(connection);
          });
      return super.handle(request, response, callback);
    }
  }

  /**
   * Refuses a request whose {@code Host} is not this server's own name or address: a page on
   * another origin that points its own name at 127.0.0.1 (DNS rebinding) sends its own name, and
   * gets nothing. Allowed: {@code localhost} and the loopback addresses, the host the server
   * listens on, every local address when it listens on all of them, and {@code --allowed-hosts}.
   */
  static final class HostCheck extends org.eclipse.jetty.server.Handler.Wrapper {
    private final java.util.Set<String> allowed;

    HostCheck(org.eclipse.jetty.server.Handler next, java.util.Set<String> allowed) {
      super(next);
      this.allowed = allowed;
    }

    /** The names and addresses (lower case, IPv6 without brackets) a request's Host may name. */
    static java.util.Set<String> allowed(
        InetSocketAddress address, java.util.List<String> configured) {
      java.util.Set<String> out =
          new java.util.TreeSet<>(java.util.List.of("localhost", "127.0.0.1", "::1"));
      out.add(normalise(address.getHostString()));
      if (address.getAddress() != null) {
        out.add(normalise(address.getAddress().getHostAddress()));
        if (address.getAddress().isAnyLocalAddress()) {
          try {
            for (java.net.NetworkInterface nic :
                java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
              for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                out.add(normalise(a.getHostAddress()));
              }
            }
            out.add(normalise(java.net.InetAddress.getLocalHost().getHostName()));
            out.add(normalise(java.net.InetAddress.getLocalHost().getCanonicalHostName()));
          } catch (IOException e) {
            LOG.warn("Cannot list this machine's addresses for the Host check: {}", e.getMessage());
          }
        }
      }
      for (String host : configured) out.add(normalise(host));
      return out;
    }

    static String normalise(String host) {
      String h = host.trim().toLowerCase(java.util.Locale.ROOT);
      int zone = h.indexOf('%'); // an IPv6 scope
      if (zone >= 0) h = h.substring(0, zone);
      if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
      if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
      return h;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String header = request.getHeaders().get(HttpHeader.HOST);
      String host = header == null ? null : request.getHttpURI().getHost();
      if (host == null || !allowed.contains(normalise(host))) {
        // closed after the answer and a short discard of any body (Discard): closing on a body
        // the client is still sending would reset the connection under the answer
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        refuse(
            response,
            new Discard(request, callback).afterAnswer(),
            403,
            header == null
                ? "Cannot answer: the request has no Host header"
                : "Cannot answer: Host '"
                    + header
                    + "' is not this server's name or address (allowed: "
                    + String.join(", ", allowed)
                    + "; add names with --allowed-hosts)",
            false);
        return true;
      }
      return super.handle(request, response, callback);
    }
  }

  /**
   * Reads a request's body into memory before passing the request on (at most {@code max} bytes; a
   * larger one is answered 413 at once), asynchronously: while a client sends its body slowly, it
   * holds no thread and no turn. Requests without a body pass straight on.
   */
  static final class BodyFirst extends org.eclipse.jetty.server.Handler.Wrapper {
    /** A body's rate is judged once it has had this long. */
    static final long GRACE_NANOS = 1_000_000_000L;

    private final int max;
    private final int minRate;
    private final ServerConnector connector;

    BodyFirst(
        org.eclipse.jetty.server.Handler next, int max, int minRate, ServerConnector connector) {
      super(next);
      this.max = max;
      this.minRate = minRate;
      this.connector = connector;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      long declared = request.getLength();
      if (declared > max) {
        // refused from its declared length, before admission, and nothing of the body is kept; the
        // connection is closed after the answer and a short discard (Discard), so a client cannot
        // go on trickling the body
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        refuse(
            response,
            new Discard(request, callback).afterAnswer(),
            413,
            PredictHandler.tooLarge(declared),
            false);
        return true;
      }
      if (declared == 0
          || (declared < 0 && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
        return super.handle(request, response, callback); // no body
      }
      new Reader(request, response, callback).run();
      return true;
    }

    /**
     * Reads chunk after chunk as they come; each time none is there, asks to be called when one is.
     */
    private final class Reader implements Runnable {
      private final Request request;
      private final Response response;
      private final Callback callback;
      private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      private final long started = System.nanoTime();

      Reader(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
      }

      @Override
      public void run() {
        while (true) {
          org.eclipse.jetty.io.Content.Chunk chunk = request.read();
          if (chunk == null) {
            request.demand(this);
            return;
          }
          if (org.eclipse.jetty.io.Content.Chunk.isFailure(chunk)) {
            // cut off (too slow, idle, reset): the connection is done for
            Response.writeError(request, response, callback, chunk.getFailure());
            return;
          }
          java.nio.ByteBuffer bytes = chunk.getByteBuffer();
          int n = bytes.remaining();
          if (body.size() + n > max) {
            chunk.release();
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            refuse(
                response,
                new Discard(request, callback).afterAnswer(),
                413,
                "Cannot predict: the request body is more than "
                    + max
                    + " bytes, larger than the "
                    + max
                    + "-byte (1 MiB) limit",
                false);
            return;
          }
          byte[] copy = new byte[n];
          bytes.get(copy);
          body.write(copy, 0, n);
          boolean last = chunk.isLast();
          chunk.release();
          if (last) {
            pass();
            return;
          }
          long elapsed = System.nanoTime() - started;
          if (minRate > 0 && elapsed > GRACE_NANOS && body.size() < minRate * (elapsed / 1e9)) {
            // a body trickling in: the idle timeout alone would let it hold the connection for
            // hours
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            refuse(
                response,
                callback,
                408,
                String.format(
                    java.util.Locale.ROOT,
                    "Cannot predict: the request body "
                        + "arrives at %.0f bytes/s, slower than the %d bytes/s minimum",
                    body.size() / (elapsed / 1e9),
                    minRate),
                false);
            return;
          }
        }
      }

      private void pass() {
        Request whole = new Buffered(request, body.toByteArray());
        request
            .getContext()
            .execute(
                () -> {
                  try {
                    if (!BodyFirst.super.handle(whole, response, callback))
                      Response.writeError(whole, response, callback, 404);
                  } catch (Throwable t) {
                    Response.writeError(whole, response, callback, t);
                  }
                });
      }
    }
  }

  /**
   * After a refusal sent while the client may still be sending its body: reads and throws away what
   * it sends, for at most {@link #LINGER_MILLIS} and {@link #LINGER_BYTES}, and only then ends the
   * exchange (and so closes the connection). Closing a socket with unread bytes in it makes the
   * kernel reset the connection, and a reset can destroy the answer before the client reads it: a
   * plain HTTP client posting 1 MiB + 1 byte got "header parser received no bytes" 15 times in 200
   * instead of its 413. This is the lingering close of RFC 9112, section 9.6. Nothing is kept, no
   * thread waits, and a client that goes on sending is cut off at either limit.
   */
  static final class Discard implements Runnable {
    static final long LINGER_MILLIS = 2_000;
    static final long LINGER_BYTES = 16L << 20;

    private final Request request;
    private final Callback callback;
    private final java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    private long left = LINGER_BYTES;
    private volatile org.eclipse.jetty.util.thread.Scheduler.Task deadline;

    Discard(Request request, Callback callback) {
      this.request = request;
      this.callback = callback;
    }

    /** The callback for the refusal's answer: once it is written, the discarding starts. */
    Callback afterAnswer() {
      return Callback.from(this::start, callback::failed);
    }

    private void start() {
      deadline =
          request
              .getComponents()
              .getScheduler()
              .schedule(this::finish, LINGER_MILLIS, TimeUnit.MILLISECONDS);
      run();
    }

    @Override
    public void run() {
      while (!done.get()) {
        org.eclipse.jetty.io.Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        // a failure (reset, idle, cut off) ends the discarding too: reading on would return it
        // again
        boolean end = chunk.isLast() || org.eclipse.jetty.io.Content.Chunk.isFailure(chunk);
        left -= chunk.remaining();
        chunk.release();
        if (end || left < 0) {
          finish();
          return;
        }
      }
    }

    private void finish() {
      if (!done.compareAndSet(false, true)) return;
      org.eclipse.jetty.util.thread.Scheduler.Task task = deadline;
      if (task != null) task.cancel();
      callback.succeeded();
    }
  }

  /** A request whose body has been read: the same request, its content served from memory. */
  static final class Buffered extends Request.Wrapper {
    private final org.eclipse.jetty.io.Content.Source content;

    Buffered(Request request, byte[] body) {
      super(request);
      this.content = org.eclipse.jetty.io.Content.Source.from(ByteBuffer.wrap(body));
    }

    @Override
    public org.eclipse.jetty.io.Content.Chunk read() {
      return content.read();
    }

    @Override
    public void demand(Runnable demand) {
      content.demand(demand);
    }

    @Override
    public void fail(Throwable failure) {
      content.fail(failure);
    }
  }

  /**
   * Jetty's admission control, refusing in the API's own words: JSON, 503 and {@code Retry-After}.
   */
  static final class Admission extends QoSHandler {
    private final double maxWait;

    Admission(double maxWait) {
      this.maxWait = maxWait;
    }

    @Override
    protected void reject(Request request, Response response, Callback callback, int status) {
      refuse(
          response,
          callback,
          503,
          "Cannot predict now: the server is busy ("
              + getMaxRequestCount()
              + " requests at work and "
              + getMaxSuspendedRequestCount()
              + " waiting); try again in "
              + RETRY_AFTER
              + " s",
          true);
    }

    @Override
    protected void expireSuspended(Request request, Response response, Callback callback) {
      refuse(
          response,
          callback,
          503,
          "Cannot predict now: the server is busy (waited "
              + maxWait
              + " s for a turn); try again in "
              + RETRY_AFTER
              + " s",
          true);
    }
  }

  /**
   * An error in the API's own words: JSON {@code {"error": message}}, and {@code Retry-After} when
   * asked.
   */
  static void refuse(
      Response response, Callback callback, int status, String message, boolean retryAfter) {
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(Map.of("error", message));
    } catch (IOException e) {
      callback.failed(e);
      return;
    }
    response.setStatus(status);
    if (retryAfter) response.getHeaders().put(HttpHeader.RETRY_AFTER, String.valueOf(RETRY_AFTER));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
