package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.digitclassifier.TestDigits;
import io.digitclassifier.TestModels;
import io.digitclassifier.artifacts.ModelArtifacts;
import io.digitclassifier.image.ImagePreprocessor;
import io.digitclassifier.net.NetworkKind;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * bin/export-web's folder in a real headless Chromium with the network off (every host name but
 * 127.0.0.1 fails to resolve, the page's Content-Security-Policy allows only its own origin, and
 * every request is checked to be one of the folder's files), served by a plain static file server:
 * for each network the project trains, the browser's ten probabilities are DL4J's within 1e-4 on
 * MNIST test digits and on drawings, with the same labels; the page's MNIST recipe gives the
 * server's 28x28 grid, byte for byte, for the same pixels and for the page's own canvas; and a page
 * with a wrong input layout, a wrong normalisation or a wrong interpolation fails those
 * comparisons.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebExportBrowserTest {
  static final float TOLERANCE = 1e-4f;

  /** MNIST test digits per network. */
  static final int DIGITS = 300;

  private Path root;
  private HttpServer files;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> gzipped = new ConcurrentHashMap<>();
  private ChromeDriverService service;
  private ChromeDriver driver;
  private Path profile;

  @BeforeAll
  void exportServeAndOpenABrowser() throws Exception {
    assertThat(
            Files.isExecutable(CanvasBrowserTest.CHROMIUM)
                && Files.isExecutable(CanvasBrowserTest.CHROMEDRIVER))
        .as(
            "Chromium and its driver are needed: apt-get install chromium chromium-driver (bin/test does it)")
        .isTrue();
    root = Files.createTempDirectory("web-export");
    for (NetworkKind kind : NetworkKind.values()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int exit =
          ExportWebCommand.run(
              new String[] {
                "--model",
                TestModels.trained(kind).toString(),
                "--output",
                root.resolve(name(kind)).toString()
              },
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
      System.out.println(out.toString(StandardCharsets.UTF_8).trim());
    }
    // pages with one deliberate mistake each, to show that the comparisons catch it
    mutate(
        "wrong-layout",
        "x[i] = pixels[i] / 255;",
        "x[i] = pixels[i - i % PIXELS + (i % SIDE) * SIDE + Math.floor((i % PIXELS) / SIDE)] / 255;");
    mutate("wrong-scale", "x[i] = pixels[i] / 255;", "x[i] = pixels[i] / 127.5 - 1;");
    mutate("wrong-interpolation", "if (ratio >= 1) {", "if (false) {");

    files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            Path file =
                root.resolve(path.substring(1) + (path.endsWith("/") ? "index.html" : ""))
                    .normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
              exchange.sendResponseHeaders(404, -1);
              return;
            }
            // as a static server set up to compress sends it
            byte[] raw = Files.readAllBytes(file);
            // the runtime is the same in every folder: compressed once
            byte[] body =
                gzipped.computeIfAbsent(
                    io.digitclassifier.storage.Hashing.sha256(raw), h -> WebExport.gzip(raw));
            exchange
                .getResponseHeaders()
                .set("Content-Type", WebExport.contentType(file.getFileName().toString()));
            exchange.getResponseHeaders().set("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream o = exchange.getResponseBody()) {
              o.write(body);
            }
          }
        });
    files.start();

    profile = Files.createTempDirectory("web-export-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CanvasBrowserTest.CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + profile,
        "--window-size=800,760",
        "--force-device-scale-factor=1",
        // no network: no name resolves but the loopback address the files are served from
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1");
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CanvasBrowserTest.CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
    // every Content-Security-Policy violation, from the first script on
    driver.executeCdpCommand(
        "Page.addScriptToEvaluateOnNewDocument",
        Map.of(
            "source",
            "window.cspViolations = []; document.addEventListener('securitypolicyviolation', function (e) {"
                + " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI); });"));
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) driver.quit();
    if (service != null) service.stop();
    if (files != null) files.stop(0);
    for (Path p : new Path[] {root, profile}) {
      if (p == null) continue;
      try (var walk = Files.walk(p)) {
        walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static String name(NetworkKind kind) {
    return kind.cliName();
  }

  private void mutate(String name, String line, String wrong) throws Exception {
    copy("lenet", name);
    Path module = root.resolve(name).resolve("digits.js");
    String js = Files.readString(module);
    assertThat(js).as("the line this mutation changes").contains(line);
    Files.writeString(module, js.replace(line, wrong));
  }

  private JavascriptExecutor js() {
    return driver;
  }

  /**
   * Opens a folder's page and waits until its model is loaded; returns the milliseconds from
   * navigation to ready.
   */
  private double open(String folder) {
    requests.clear();
    driver.get("http://127.0.0.1:" + files.getAddress().getPort() + "/" + folder + "/");
    new WebDriverWait(driver, Duration.ofSeconds(60))
        .until(d -> d.findElement(By.tagName("body")).getAttribute("data-ready") != null);
    assertThat(driver.findElement(By.tagName("body")).getAttribute("data-ready"))
        .as(driver.findElement(By.id("status")).getText())
        .isEqualTo("true");
    return ((Number) js().executeScript("return window.digitTimings.ready;")).doubleValue();
  }

  /**
   * What the browser fetched since {@link #open}: only the folder's own files, from the one origin,
   * no violations.
   */
  private void assertOffline(String folder) {
    List<?> violations = (List<?>) js().executeScript("return window.cspViolations;");
    assertThat(violations).as("Content-Security-Policy violations").isEmpty();
    @SuppressWarnings("unchecked")
    List<String> fetched =
        (List<String>)
            js().executeScript(
                    "return performance.getEntriesByType('resource').map(function (e) { return e.name; });");
    String origin = "http://127.0.0.1:" + files.getAddress().getPort() + "/";
    assertThat(fetched).allMatch(u -> u.startsWith(origin + folder + "/"), "from the folder");
    List<String> names = new ArrayList<>(WebExport.STATIC_FILES);
    names.addAll(List.of("", WebExport.MODEL, WebExport.MODEL_INFO));
    assertThat(requests)
        .allMatch(
            r -> names.stream().anyMatch(n -> r.equals("/" + folder + "/" + n)),
            "one of the folder's files");
  }

  /**
   * Bytes the browser received since the page opened (the page and every file it fetched, as sent:
   * gzip).
   */
  private long downloaded() {
    return ((Number)
            js().executeScript(
                    "return performance.getEntries().filter(function (e) {"
                        + " return e.encodedBodySize !== undefined; }).reduce(function (s, e) { return s + e.encodedBodySize; }, 0);"))
        .longValue();
  }

  /**
   * The page's predictDigit on many digits, one call each; each answer's label and ten
   * probabilities.
   */
  private List<Predictor.Prediction> browserPredicts(List<byte[]> digits) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    digits.forEach(all::writeBytes);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> answers =
        (List<Map<String, Object>>)
            js().executeAsyncScript(
                    "var done = arguments[arguments.length - 1];"
                        + "var bytes = Uint8Array.from(atob(arguments[0]), function (c) { return c.charCodeAt(0); });"
                        + "var out = []; var chain = Promise.resolve();"
                        + "for (var i = 0; i < bytes.length / 784; i++) { (function (i) { chain = chain.then(function () {"
                        + "  return window.predictDigit(Array.from(bytes.subarray(i * 784, i * 784 + 784))); })"
                        + "  .then(function (a) { out.push(a); }); })(i); }"
                        + "chain.then(function () { done(out); }, function (e) { done(String(e)); });",
                    Base64.getEncoder().encodeToString(all.toByteArray()));
    List<Predictor.Prediction> out = new ArrayList<>();
    for (Map<String, Object> a : answers) {
      List<?> p = (List<?>) a.get("probabilities");
      float[] probabilities = new float[p.size()];
      for (int k = 0; k < probabilities.length; k++)
        probabilities[k] = ((Number) p.get(k)).floatValue();
      out.add(new Predictor.Prediction(((Number) a.get("label")).intValue(), probabilities));
    }
    return out;
  }

  /** The page's own toMnist on an image's RGBA pixels (as a canvas's getImageData gives them). */
  private byte[] browserPreprocesses(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] rgba = new byte[w * h * 4];
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < argb.length; i++) {
      rgba[4 * i] = (byte) (argb[i] >> 16);
      rgba[4 * i + 1] = (byte) (argb[i] >> 8);
      rgba[4 * i + 2] = (byte) argb[i];
      rgba[4 * i + 3] = (byte) (argb[i] >>> 24);
    }
    String grid =
        (String)
            js().executeAsyncScript(
                    "var done = arguments[arguments.length - 1]; var w = arguments[1]; var h = arguments[2];"
                        + "var data = Uint8ClampedArray.from(atob(arguments[0]), function (c) { return c.charCodeAt(0); });"
                        + "import('./digits.js').then(function (m) {"
                        + "  var g = m.toMnist({ data: data, width: w, height: h });"
                        + "  done(btoa(String.fromCharCode.apply(null, g))); }).catch(function (e) { done('error ' + e); });",
                    Base64.getEncoder().encodeToString(rgba),
                    w,
                    h);
    if (grid.startsWith("error PhotoError")) return null;
    assertThat(grid).doesNotStartWith("error");
    return Base64.getDecoder().decode(grid);
  }

  /** The page's canvas: its own preprocessing of it, and the PNG the server would get from it. */
  private record Canvas(byte[] pageGrid, byte[] png) {}

  private Canvas canvas() {
    String grid =
        (String)
            js().executeScript(
                    "return btoa(String.fromCharCode.apply(null, window.canvasDigit()));");
    String url =
        (String)
            js().executeScript("return document.getElementById('canvas').toDataURL('image/png');");
    return new Canvas(
        Base64.getDecoder().decode(grid),
        Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1)));
  }

  @ParameterizedTest
  @EnumSource(NetworkKind.class)
  void theBrowserGivesDl4jsProbabilitiesAndTheServersLabels(NetworkKind kind) throws Exception {
    Path dir = TestModels.trained(kind);
    Predictor dl4j = Predictor.load(dir.toString(), new Configuration(), Engine.DL4J, 1);
    Predictor server =
        Predictor.of(ModelArtifacts.read(dir.toString(), new Configuration(), Engine.ONNX), 1);
    double ready = open(name(kind));

    // the first answer, as a visitor gets it once the page is ready
    byte[] first = TestModels.testPixels(1).get(0);
    double firstAnswer =
        ((Number)
                js().executeAsyncScript(
                        "var done = arguments[arguments.length - 1];"
                            + "var t = performance.now(); window.predictDigit(arguments[0]).then(function () {"
                            + " done(performance.now() - t); });",
                        TestDigits.pixelList(first)))
            .doubleValue();

    long bytes = downloaded();
    Comparison mnist =
        compare(
            dl4j.predict(TestModels.testPixels(DIGITS)),
            browserPredicts(TestModels.testPixels(DIGITS)));

    // drawings on the page's canvas: the page's grid is the server's, and its answer the server's
    List<byte[]> drawn = new ArrayList<>();
    // LeNet: a 7, a 1, a 0, a 4 and a 2; the larger nets the first three, for time
    for (int[][][] strokes :
        Arrays.copyOf(CanvasDrawing.DRAWINGS, kind == NetworkKind.LENET ? 5 : 3)) {
      CanvasDrawing.draw(driver, strokes);
      Canvas c = canvas();
      byte[] serverGrid = ImagePreprocessor.toMnist(c.png());
      assertThat(c.pageGrid()).as("the page's 28x28 grid of its canvas").isEqualTo(serverGrid);
      drawn.add(serverGrid);
      driver.findElement(By.id("predict")).click();
      new WebDriverWait(driver, Duration.ofSeconds(20))
          .until(d -> d.findElement(By.id("status")).getText().startsWith("Answered"));
      assertThat(driver.findElement(By.id("label")).getText())
          .as(kind + ": the page names the drawing as the server")
          .isEqualTo(String.valueOf(server.predict(serverGrid).label()));
    }
    Comparison drawings = compare(dl4j.predict(drawn), browserPredicts(drawn));
    assertOffline(name(kind));
    System.out.printf(
        "%s in Chromium: %,d bytes downloaded (gzip), ready %.0f ms after navigation, first answer "
            + "%.1f ms; MNIST %s; drawings %s%n",
        kind, bytes, ready, firstAnswer, mnist, drawings);
    for (Comparison c : List.of(mnist, drawings)) {
      assertThat(c.maxDifference)
          .as(kind + " largest probability difference")
          .isLessThanOrEqualTo(TOLERANCE);
      assertThat(c.labelsDiffering)
          .as(kind + " labels that differ where DL4J's top two are apart")
          .isZero();
    }
  }

  @Test
  void thePagesRecipeGivesTheServersGridForTheSamePixels() throws Exception {
    open("lenet");
    List<BufferedImage> images = images();
    int clean = 0;
    for (int i = 0; i < images.size(); i++) {
      byte[] png = TestDigits.encode(images.get(i), "png");
      byte[] server = ImagePreprocessor.toMnist(png);
      byte[] page = browserPreprocesses(images.get(i));
      // The server takes an image that is not clean (its edges not sharp enough for a drawing) for
      // a photo and
      // cleans the paper first, which gives another grid than the plain recipe; the page refuses
      // those.
      if (Arrays.equals(server, ImagePreprocessor.toMnistCleanOnly(png))) {
        clean++;
        assertThat(page).as("image " + i + ": the page's grid").isEqualTo(server);
      } else {
        assertThat(page).as("image " + i + ", a photo to the server: the page refuses it").isNull();
      }
    }
    System.out.printf(
        "The page's recipe: %d of %d images the server's grid byte for byte, the others refused as "
            + "photos, as the server takes them%n",
        clean, images.size());
    assertThat(clean).isGreaterThanOrEqualTo(images.size() / 2);
    // a photo is refused with a reason, a blank canvas as the server refuses it
    Object refusal =
        js().executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                    + "import('./digits.js').then(function (m) { try { m.toMnist({data: new Uint8ClampedArray(40 * 40 * 4)"
                    + ".fill(255), width: 40, height: 40}); done('read'); } catch (e) { done(e.name + ': ' + e.message); } });");
    assertThat(refusal).isEqualTo("NoDigitError: no ink found (blank image)");
    driver.findElement(By.id("predict")).click();
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(d -> d.findElement(By.id("status")).getText().startsWith("Cannot"));
    assertThat(driver.findElement(By.id("status")).getText())
        .isEqualTo("Cannot read the image: no ink found (blank image)");
    assertOffline("lenet");
  }

  /**
   * MNIST digits drawn large: light on dark, dark on light, coloured strokes on a transparent
   * canvas.
   */
  private static List<BufferedImage> images() {
    List<byte[]> digits = TestModels.testPixels(40);
    List<BufferedImage> out = new ArrayList<>();
    for (int i = 0; i < 24; i++) out.add(TestDigits.digitImage(digits.get(i), 280, false));
    for (int i = 24; i < 32; i++) out.add(TestDigits.digitImage(digits.get(i), 150 + 5 * i, true));
    Color[] inks = {Color.BLACK, Color.WHITE, Color.RED, new Color(30, 90, 200)};
    for (int i = 32; i < 40; i++) {
      out.add(
          TestDigits.transparentImage(
              TestDigits.enlarge(digits.get(i), 160, 240), 160, 240, inks[i % inks.length]));
    }
    return out;
  }

  @Test
  void aWrongInputLayoutOrNormalisationFailsTheComparison() throws Exception {
    Predictor dl4j =
        Predictor.load(
            TestModels.trained(NetworkKind.LENET).toString(), new Configuration(), Engine.DL4J, 1);
    List<byte[]> digits = TestModels.testPixels(100);
    for (String wrong : List.of("wrong-layout", "wrong-scale")) {
      open(wrong);
      Comparison c = compare(dl4j.predict(digits), browserPredicts(digits));
      System.out.printf("A page with a %s: %s%n", wrong, c);
      assertThat(c.maxDifference).as(wrong).isGreaterThan(TOLERANCE);
      assertThat(c.labelsDiffering).as(wrong).isPositive();
    }
    open("wrong-interpolation");
    int clean = 0;
    int differing = 0;
    for (BufferedImage image : images().subList(0, 12)) {
      byte[] png = TestDigits.encode(image, "png");
      byte[] server = ImagePreprocessor.toMnist(png);
      if (!Arrays.equals(server, ImagePreprocessor.toMnistCleanOnly(png)))
        continue; // a photo to the server
      clean++;
      if (!Arrays.equals(browserPreprocesses(image), server)) differing++;
    }
    assertThat(clean).isPositive();
    assertThat(differing)
        .as("grids that differ from the server's with bilinear shrinking")
        .isEqualTo(clean);
  }

  @Test
  void theServerOffersTheSameFolderAtWebAndItsHealthNamesTheModel() throws Exception {
    Path dir = TestModels.lenet();
    try (DigitServer server =
        DigitServer.start(ServeConfig.parse("--model", dir.toString(), "--port", "0"))) {
      String base = server.uri().toString();
      var http = java.net.http.HttpClient.newHttpClient();
      String health =
          http.send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "api/health"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      var web = io.digitclassifier.storage.Json.MAPPER.readTree(health).get("web");
      assertThat(web.get("path").asText()).isEqualTo("/web/");
      assertThat(web.get("modelSha256").asText()).isEqualTo(server.modelSha256());

      driver.get(base);
      driver.findElement(By.id("in-browser")).click();
      new WebDriverWait(driver, Duration.ofSeconds(60))
          .until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-ready")));
      assertThat(driver.getCurrentUrl()).isEqualTo(base + "web/");
      @SuppressWarnings("unchecked")
      Map<String, Object> info =
          (Map<String, Object>)
              js().executeAsyncScript(
                      "var done = arguments[arguments.length - 1];"
                          + "fetch('model.json').then(function (r) { return r.json(); }).then(done);");
      assertThat(info.get("modelSha256")).isEqualTo(server.modelSha256());
      assertThat(info.get("onnxSha256")).isEqualTo(web.get("onnxSha256").asText());
      assertThat(driver.findElement(By.id("model")).getText()).contains(server.modelSha256());

      CanvasDrawing.draw(driver, CanvasDrawing.DRAWINGS[0]);
      Canvas c = canvas();
      driver.findElement(By.id("predict")).click();
      new WebDriverWait(driver, Duration.ofSeconds(20))
          .until(d -> d.findElement(By.id("status")).getText().startsWith("Answered"));
      var answer =
          io.digitclassifier.storage.Json.MAPPER.readTree(
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create(base + "api/predict"))
                          .header("Content-Type", "image/png")
                          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(c.png()))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(driver.findElement(By.id("label")).getText())
          .isEqualTo(answer.get("label").asText())
          .isEqualTo("7");
    }
  }

  /**
   * The figures behind the README's choice of runtime: the exported folder against the same folder
   * on another onnxruntime-web build, given as an unpacked npm package ({@code
   * -Dweb.alternativeRuntime=DIR}, DIR holding {@code package/dist}); its ES module and
   * non-threaded SIMD .wasm replace the runtime. Each page is loaded cold (a path of its own)
   * {@code ROUNDS} times; the medians are printed, and the alternative is held to DL4J too.
   */
  @ParameterizedTest
  @EnumSource(NetworkKind.class)
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(
      named = "web.alternativeRuntime",
      matches = ".+")
  void theChosenRuntimeAgainstAnAlternative(NetworkKind kind) throws Exception {
    Path dist = Path.of(System.getProperty("web.alternativeRuntime"), "package", "dist");
    String version =
        io.digitclassifier.storage.Json.MAPPER
            .readTree(dist.resolveSibling("package.json").toFile())
            .get("version")
            .asText();
    int rounds = 3;
    Predictor dl4j =
        Predictor.load(TestModels.trained(kind).toString(), new Configuration(), Engine.DL4J, 1);
    List<byte[]> digits = TestModels.testPixels(100);
    for (String runtime : List.of("chosen", "alternative")) {
      List<Double> ready = new ArrayList<>();
      List<Double> first = new ArrayList<>();
      List<Double> next = new ArrayList<>();
      long bytes = 0;
      for (int round = 0; round < rounds; round++) {
        String folder = runtime + "-" + name(kind) + "-" + round;
        copy(name(kind), folder);
        if (runtime.equals("alternative")) {
          Path ort = root.resolve(folder).resolve("ort");
          try (var old = Files.list(ort)) {
            for (Path p : (Iterable<Path>) old::iterator) Files.delete(p);
          }
          Files.copy(
              dist.resolve("esm/ort.wasm-core.min.js"), ort.resolve("ort.wasm.bundle.min.js"));
          Files.copy(dist.resolve("ort-wasm-simd.wasm"), ort.resolve("ort-wasm-simd.wasm"));
          Path module = root.resolve(folder).resolve("digits.js");
          String line =
              "ort.env.wasm.wasmPaths = { wasm: new URL('ort/ort-wasm-simd-threaded.wasm', import.meta.url).href };";
          String js = Files.readString(module);
          assertThat(js).contains(line);
          Files.writeString(
              module,
              js.replace(line, "ort.env.wasm.wasmPaths = new URL('ort/', import.meta.url).href;"));
        }
        ready.add(open(folder));
        first.add(
            ((Number)
                    js().executeAsyncScript(
                            "var done = arguments[arguments.length - 1];"
                                + "var t = performance.now(); window.predictDigit(arguments[0]).then(function () {"
                                + " done(performance.now() - t); });",
                            TestDigits.pixelList(digits.get(0))))
                .doubleValue());
        next.add(
            ((Number)
                    js().executeAsyncScript(
                            "var done = arguments[arguments.length - 1];"
                                + "var t = performance.now(); var chain = Promise.resolve();"
                                + "for (var i = 0; i < 50; i++) chain = chain.then(function () { return window.predictDigit(arguments[0]); }"
                                + ".bind(null, arguments[0]));"
                                + "chain.then(function () { done((performance.now() - t) / 50); });",
                            TestDigits.pixelList(digits.get(1))))
                .doubleValue());
        bytes = downloaded();
        if (round == 0) {
          Comparison c = compare(dl4j.predict(digits), browserPredicts(digits));
          assertThat(c.maxDifference).as(runtime).isLessThanOrEqualTo(TOLERANCE);
          assertThat(c.labelsDiffering).as(runtime).isZero();
        }
      }
      System.out.printf(
          "%s, %s runtime (%s): %,d bytes downloaded (gzip); median of %d cold loads: ready %.0f ms after "
              + "navigation, first answer %.1f ms, then %.2f ms an answer%n",
          kind,
          runtime,
          runtime.equals("chosen")
              ? WebExport.runtime() + ", ort.wasm.bundle.min.mjs + ort-wasm-simd-threaded.wasm"
              : "onnxruntime-web " + version + ", esm/ort.wasm-core.min.js + ort-wasm-simd.wasm",
          bytes,
          rounds,
          median(ready),
          median(first),
          median(next));
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private void copy(String from, String to) throws Exception {
    Path source = root.resolve(from);
    try (var walk = Files.walk(source)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = root.resolve(to).resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target);
      }
    }
  }

  static Comparison compare(Predictor.Predictions reference, List<Predictor.Prediction> browser) {
    assertThat(browser).hasSize(reference.size());
    Comparison c = new Comparison();
    for (int i = 0; i < browser.size(); i++) c.add(reference.get(i), browser.get(i));
    return c;
  }

  /**
   * What the comparison found (OnnxOracleTest's rule: labels count where DL4J's top two are more
   * than 1e-4 apart).
   */
  static final class Comparison {
    int images;
    float maxDifference;
    int labelsDiffering;
    int nearTies;

    void add(Predictor.Prediction reference, Predictor.Prediction other) {
      images++;
      float[] p = reference.probabilities();
      for (int k = 0; k < p.length; k++)
        maxDifference = Math.max(maxDifference, Math.abs(p[k] - other.probabilities()[k]));
      float best = p[reference.label()];
      float second = -1;
      for (int k = 0; k < p.length; k++)
        if (k != reference.label()) second = Math.max(second, p[k]);
      if (best - second <= TOLERANCE) nearTies++;
      else if (reference.label() != other.label()) labelsDiffering++;
    }

    @Override
    public String toString() {
      return String.format(
          "%d images, largest difference %.2e, %d labels differ, %d near-ties",
          images, maxDifference, labelsDiffering, nearTies);
    }
  }
}
