package io.digitclassifier.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.digitclassifier.storage.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writing answers and reading bodies within limits, for the handlers. */
final class Exchanges {
  /** The project's JSON, on one line: answers are small and read by programs. */
  private static final ObjectWriter JSON =
      Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

  /**
   * How much of a refused body is read and thrown away before answering, so that the client, still
   * sending, reads the answer instead of a reset connection; beyond it the connection is closed.
   */
  static final long DRAIN_LIMIT = 16L << 20;

  private Exchanges() {}

  static void json(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    send(exchange, status, "application/json; charset=utf-8", bytes);
  }

  /** A refusal: {@code {"error": message}}. */
  static void error(HttpExchange exchange, int status, String message) throws IOException {
    json(exchange, status, Map.of("error", message));
  }

  static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Type", contentType);
    headers.set("Cache-Control", "no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The declared body length, -1 when there is none (chunked) or it is not a number. */
  static long contentLength(HttpExchange exchange) {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    if (value == null) return -1;
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The request body, or {@code null} when it is longer than {@code limit} bytes (then up to {@link
   * #DRAIN_LIMIT} of it has been read and dropped).
   */
  static byte[] readBody(HttpExchange exchange, int limit) throws IOException {
    InputStream in = exchange.getRequestBody();
    byte[] body = in.readNBytes(limit + 1);
    if (body.length <= limit) return body;
    drain(exchange);
    return null;
  }

  /**
   * Reads and drops what is left of the body (up to {@link #DRAIN_LIMIT}); past that, asks for the
   * connection to be closed after the answer.
   */
  static void drain(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    long left = DRAIN_LIMIT;
    byte[] buffer = new byte[1 << 16];
    int n;
    while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0)
      left -= n;
    if (left <= 0) exchange.getResponseHeaders().set("Connection", "close");
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
