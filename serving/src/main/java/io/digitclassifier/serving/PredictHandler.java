package io.digitclassifier.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.digitclassifier.image.ImageDecodeException;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.predict.PredictorPool;
import io.digitclassifier.storage.Json;
import java.io.IOException;
import java.util.Base64;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/predict}: a PNG, either raw ({@code Content-Type: image/png}) or as a data URL
 * in JSON ({@code {"image": "data:image/png;base64,..."}}), answered with {@code {"label": 7,
 * "probabilities": [...]}}.
 *
 * <p>Refusals are JSON {@code {"error": "..."}} with a short reason: 405 for a method other than
 * POST, 415 for another content type, 413 for a body over {@link #MAX_BODY} bytes, 400 for a body
 * that is not a usable image (the reason comes from {@link ImagePreprocessor}, which also limits
 * the image to 4096x4096 pixels). A failure of the server itself is a 500 whose details go to the
 * log only.
 */
final class PredictHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(PredictHandler.class);

  /**
   * The largest request body accepted: 1 MiB, far more than a 280x280 canvas (10-30 KB as a data
   * URL).
   */
  static final int MAX_BODY = 1 << 20;

  static final String PATH = "/api/predict";

  static final String PNG = "image/png";
  static final String JSON = "application/json";
  private static final String DATA_URL_PREFIX = "data:image/png;base64,";

  private final PredictorPool model;

  PredictHandler(PredictorPool model) {
    this.model = model;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    try {
      Predictor.Prediction prediction = predict(exchange);
      Exchanges.json(exchange, 200, prediction);
      LOG.debug("Predicted {} in {} us", prediction.label(), (System.nanoTime() - start) / 1000);
    } catch (RequestException e) {
      if (e.allow() != null) exchange.getResponseHeaders().set("Allow", e.allow());
      LOG.debug(
          "Refused {} {}: {} {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          e.status(),
          e.getMessage());
      Exchanges.error(exchange, e.status(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error(
          "Cannot answer {} {} from {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          exchange.getRemoteAddress(),
          e);
      Exchanges.error(
          exchange, 500, "Cannot predict: internal error (the server's log has the details)");
    } finally {
      exchange.close();
    }
  }

  private Predictor.Prediction predict(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      throw new RequestException(
          405,
          "Cannot predict: method " + exchange.getRequestMethod() + " is not allowed, use POST",
          "POST");
    }
    String type = mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
    if (!PNG.equals(type) && !JSON.equals(type)) {
      Exchanges.drain(exchange);
      throw new RequestException(
          415,
          "Cannot predict: content type "
              + (type.isEmpty() ? "missing" : type)
              + ", expected "
              + PNG
              + " or "
              + JSON
              + " with a PNG data URL");
    }
    // a body declared over the limit never gets here: Connections.BodyFirst answers it 413 unread
    byte[] body = Exchanges.readBody(exchange, MAX_BODY);
    if (body == null) throw new RequestException(413, tooLarge(-1));
    if (body.length == 0)
      throw new RequestException(400, "Cannot predict: the request body is empty");
    byte[] png = PNG.equals(type) ? body : fromJson(body);
    byte[] pixels;
    try {
      pixels = ImagePreprocessor.toMnist(png);
    } catch (ImageDecodeException e) {
      throw new RequestException(400, "Cannot read the image: " + e.getMessage());
    }
    return model.with(p -> p.predict(pixels));
  }

  /** The 413 message for a body of {@code declared} bytes (-1: unknown, more than the limit). */
  static String tooLarge(long declared) {
    return "Cannot predict: the request body is "
        + (declared < 0 ? "more than " + MAX_BODY : declared)
        + " bytes, "
        + "larger than the "
        + MAX_BODY
        + "-byte (1 MiB) limit";
  }

  /** The image of {@code {"image": "data:image/png;base64,..."}}. */
  private static byte[] fromJson(byte[] body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new RequestException(
          400, "Cannot read the request: not valid JSON (" + shorten(e.getOriginalMessage()) + ")");
    } catch (IOException e) {
      throw new RequestException(400, "Cannot read the request: " + e.getMessage());
    }
    JsonNode image = root == null ? null : root.get("image");
    if (image == null || !image.isTextual()) {
      throw new RequestException(
          400, "Cannot read the request: expected {\"image\": \"" + DATA_URL_PREFIX + "...\"}");
    }
    String url = image.textValue();
    if (!url.regionMatches(true, 0, DATA_URL_PREFIX, 0, DATA_URL_PREFIX.length())) {
      if (url.regionMatches(true, 0, "data:", 0, 5)) {
        int end = url.indexOf(',');
        String head = url.substring(0, end < 0 ? Math.min(url.length(), 40) : Math.min(end, 40));
        throw new RequestException(
            415,
            "Cannot predict: \"image\" is a "
                + head
                + " data URL, expected "
                + DATA_URL_PREFIX
                + "...");
      }
      throw new RequestException(
          400,
          "Cannot read the request: \"image\" must be a data URL (" + DATA_URL_PREFIX + "...)");
    }
    try {
      return Base64.getDecoder().decode(url.substring(DATA_URL_PREFIX.length()).strip());
    } catch (IllegalArgumentException e) {
      throw new RequestException(
          400,
          "Cannot read the request: the data URL is not valid base64 (" + e.getMessage() + ")");
    }
  }

  /**
   * A parser's message cut to one short line: the answer names the problem, it does not echo the
   * input.
   */
  private static String shorten(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("");
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }

  /** {@code image/png; charset=x} -> {@code image/png}; empty when missing. */
  static String mediaType(String contentType) {
    if (contentType == null) return "";
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }
}
