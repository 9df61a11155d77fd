package io.digitclassifier.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The canvas page at {@code /}: one static HTML file with its script and style inline, so it works
 * offline and needs no other request. Any other path not handled elsewhere is a JSON 404.
 */
final class PageHandler implements HttpHandler {
  static final String RESOURCE = "index.html";

  /** Only the page's own inline script and style, and requests back to this server. */
  private static final String CSP =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
          + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final byte[] page;

  PageHandler() {
    try (InputStream in = PageHandler.class.getResourceAsStream(RESOURCE)) {
      if (in == null)
        throw new IllegalStateException(
            "Cannot serve the page: resource " + RESOURCE + " is missing");
      page = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      if (!"/".equals(path) && !"/index.html".equals(path)) {
        Exchanges.error(
            exchange,
            404,
            "Cannot find " + path + ": the page is at / and the API at /api/predict");
        return;
      }
      String method = exchange.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        Exchanges.error(
            exchange, 405, "Cannot show the page: method " + method + " is not allowed, use GET");
        return;
      }
      exchange.getResponseHeaders().set("Content-Security-Policy", CSP);
      exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
      Exchanges.send(exchange, 200, "text/html; charset=utf-8", page);
    } finally {
      exchange.close();
    }
  }
}
