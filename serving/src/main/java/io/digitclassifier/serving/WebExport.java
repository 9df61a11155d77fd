package io.digitclassifier.serving;

import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.storage.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The static folder that runs a model in the browser ({@code bin/export-web}, and {@code /web/} on
 * {@code bin/serve}): the page ({@code index.html}, {@code style.css}, {@code page.js}), the module
 * that offers the MNIST recipe and the model to any script ({@code digits.js}), the model ({@code
 * model.onnx}, the same bytes scoring and the server run, and {@code model.json}, its identity) and
 * the runtime, onnxruntime-web's WebAssembly build fetched from npm at build time ({@code ort/}).
 * Nothing else: no request leaves the folder.
 */
final class WebExport {
  /** Where the page's files live on the classpath, beside this class. */
  static final String RESOURCES = "web/";

  /**
   * The page's and the runtime's files, as the folder holds them; the model's two files come from
   * the model.
   */
  static final List<String> STATIC_FILES =
      List.of(
          "index.html",
          "style.css",
          "page.js",
          "digits.js",
          "ort/ort.wasm.bundle.min.js",
          "ort/ort-wasm-simd-threaded.wasm",
          "ort/NOTICE.txt");

  static final String MODEL = "model.onnx";
  static final String MODEL_INFO = "model.json";

  /**
   * The policy the page states itself (a meta element); servers that send a header should send the
   * same.
   */
  static final String CSP =
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
          + "style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

  private final Map<String, byte[]> files;
  private final String onnxSha256;

  private WebExport(Map<String, byte[]> files, String onnxSha256) {
    this.files = Collections.unmodifiableMap(files);
    this.onnxSha256 = onnxSha256;
  }

  /** The SHA-256 of the folder's model.onnx. */
  String onnxSha256() {
    return onnxSha256;
  }

  /** The folder for a model read for ONNX Runtime ({@code onnx()} not null). */
  static WebExport of(ModelArtifacts model) {
    if (model.onnx() == null)
      throw new IllegalArgumentException(
          "Cannot export " + model.source() + " for the web: no ONNX bytes");
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : STATIC_FILES) files.put(name, resource(name));
    files.put(MODEL, model.onnx());
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("modelSha256", model.zipSha256());
    info.put("onnxSha256", model.onnxSha256());
    info.put("onnxOrigin", model.onnxOrigin());
    info.put("runtime", runtime());
    info.put("exported", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    try {
      files.put(MODEL_INFO, Json.MAPPER.writeValueAsBytes(info));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new WebExport(files, model.onnxSha256());
  }

  /** Relative path to bytes, in the folder's order (the page first, the model last). */
  Map<String, byte[]> files() {
    return files;
  }

  /** The runtime's name and version, from the notice the build wrote beside it. */
  static String runtime() {
    String notice = new String(resource("ort/NOTICE.txt"), StandardCharsets.UTF_8);
    return notice.lines().findFirst().orElse("onnxruntime-web").trim();
  }

  /** Everything, in bytes. */
  long size() {
    return files.values().stream().mapToLong(b -> b.length).sum();
  }

  /**
   * What a visitor downloads from a server that gzips (level 9, as {@code gzip -9}): every file
   * once.
   */
  long gzipSize() {
    return files.values().stream().mapToLong(b -> gzip(b).length).sum();
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
    try (GZIPOutputStream z =
        new GZIPOutputStream(out) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      z.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The content type a static server should send for a file of the folder. */
  static String contentType(String name) {
    if (name.endsWith(".html")) return "text/html; charset=utf-8";
    if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
    if (name.endsWith(".css")) return "text/css; charset=utf-8";
    if (name.endsWith(".json")) return "application/json";
    if (name.endsWith(".wasm")) return "application/wasm";
    if (name.endsWith(".txt")) return "text/plain; charset=utf-8";
    return "application/octet-stream";
  }

  private static byte[] resource(String name) {
    try (InputStream in = WebExport.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "Cannot export for the web: resource "
                + RESOURCES
                + name
                + " is missing from "
                + "the serving jar (the build unpacks the runtime from npm: run ./mvnw package -pl serving)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read resource " + RESOURCES + name + ": " + e.getMessage(), e);
    }
  }
}
