package io.digitclassifier.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /web/}: the server's model as {@code bin/export-web} writes it, so a visitor can run it in
 * the browser ("Run it in my browser" on the canvas page) or save the folder. Built on the first
 * request (the model's ONNX bytes, exported in memory when the server runs DL4J), then held; sent
 * gzip-compressed to clients that accept it, as a static server configured for it would, with the
 * page's Content-Security-Policy as a header too.
 */
final class WebHandler implements HttpHandler {
  static final String PATH = "/web";

  private final Supplier<WebExport> export;
  private volatile Map<String, byte[][]> files; // name -> {bytes, gzip}

  /**
   * Why the folder could not be built: remembered, so that requests do not rebuild it each time.
   */
  private volatile RuntimeException failure;

  WebHandler(Supplier<WebExport> export) {
    this.export = export;
  }

  /** The folder being served (built now if no one asked yet). */
  WebExport export() {
    return export.get();
  }

  /**
   * Builds the folder and its compressed copies now, on a background thread, so that the first
   * visitor of {@code /web/} does not wait for them (about 2 s: gzip of 15 MB of WebAssembly).
   */
  void prepareInBackground() {
    Thread t =
        new Thread(
            () -> {
              try {
                files();
              } catch (RuntimeException e) {
                // the first request builds it again and answers the error
                org.slf4j.LoggerFactory.getLogger(WebHandler.class)
                    .warn("Cannot prepare {}/: {}", PATH, e.getMessage());
              }
            },
            "web-export");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private Map<String, byte[][]> files() {
    Map<String, byte[][]> f = files;
    if (f == null) {
      synchronized (this) {
        if (failure != null) throw failure;
        if (files == null) {
          Map<String, byte[][]> built = new LinkedHashMap<>();
          try {
            export
                .get()
                .files()
                .forEach(
                    (name, bytes) -> built.put(name, new byte[][] {bytes, WebExport.gzip(bytes)}));
          } catch (RuntimeException e) {
            failure = e;
            throw e;
          }
          files = built;
        }
        f = files;
      }
    }
    return f;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        Exchanges.error(
            exchange,
            405,
            "Cannot serve " + path + ": method " + method + " is not allowed, use GET");
        return;
      }
      if (path.equals(PATH)) {
        // relative URLs in the page resolve against /web/, not /
        exchange.getResponseHeaders().set("Location", PATH + "/");
        exchange.sendResponseHeaders(301, -1);
        return;
      }
      String name = path.startsWith(PATH + "/") ? path.substring(PATH.length() + 1) : null;
      if (name != null && name.isEmpty()) name = "index.html";
      byte[][] file;
      try {
        file = name == null ? null : files().get(name);
      } catch (RuntimeException e) {
        Exchanges.error(exchange, 500, "Cannot serve " + path + ": " + e.getMessage());
        return;
      }
      if (file == null) {
        Exchanges.error(
            exchange, 404, "Cannot find " + path + ": the in-browser page is at " + PATH + "/");
        return;
      }
      var headers = exchange.getResponseHeaders();
      headers.set("Content-Type", WebExport.contentType(name));
      headers.set("Content-Security-Policy", WebExport.CSP + "; frame-ancestors 'none'");
      headers.set("X-Content-Type-Options", "nosniff");
      headers.set("Cache-Control", "no-cache");
      headers.set("Vary", "Accept-Encoding");
      String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
      boolean gzip = acceptsGzip(accept);
      byte[] body = gzip ? file[1] : file[0];
      if (gzip) headers.set("Content-Encoding", "gzip");
      if ("HEAD".equals(method)) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  /**
   * Whether an {@code Accept-Encoding} header lists gzip with a quality above 0 (RFC 9110, 12.5.3).
   */
  static boolean acceptsGzip(String header) {
    if (header == null) return false;
    for (String item : header.split(",")) {
      String[] parts = item.split(";");
      String coding = parts[0].trim();
      if (!coding.equalsIgnoreCase("gzip") && !coding.equalsIgnoreCase("x-gzip")) continue;
      double q = 1;
      for (int k = 1; k < parts.length; k++) {
        String param = parts[k].trim();
        if (param.regionMatches(true, 0, "q=", 0, 2)) {
          try {
            q = Double.parseDouble(param.substring(2).trim());
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      return q > 0;
    }
    return false;
  }
}
