package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitclassifier.TestModels;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * End to end in a real browser: headless Chromium (Debian's, through its chromedriver) draws digits
 * stroke by stroke on the page's canvas, presses Predict and reads the answer of a real LeNet.
 */
class CanvasBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static DigitServer server;
  private static ChromeDriverService service;
  private static WebDriver driver;
  private static Path profile;

  @BeforeAll
  static void startServerAndBrowser() throws Exception {
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
        .as(
            "Chromium and its driver are needed: apt-get install chromium chromium-driver (bin/test does it)")
        .isTrue();
    server =
        DigitServer.start(
            ServeConfig.parse("--model", TestModels.lenet().toString(), "--port", "0"));
    profile = Files.createTempDirectory("serve-e2e-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + profile,
        "--window-size=800,720",
        "--force-device-scale-factor=1");
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stopServerAndBrowser() throws Exception {
    if (driver != null) driver.quit();
    if (service != null) service.stop();
    if (server != null) server.close();
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @BeforeEach
  void openPage() {
    driver.get(server.uri().toString());
  }

  private WebElement canvas() {
    return driver.findElement(By.id("canvas"));
  }

  /** Presses Predict and waits for a digit or an error. */
  private String predict() {
    String before = status();
    driver.findElement(By.id("predict")).click();
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(d -> !status().equals(before) && !status().startsWith("Asking"));
    return driver.findElement(By.id("label")).getText();
  }

  private String status() {
    return driver.findElement(By.id("status")).getText();
  }

  /**
   * One stroke with the mouse through points given relative to the canvas centre, in small moves.
   */
  private void mouseStroke(int[][] points) {
    Actions actions =
        new Actions(driver).moveToElement(canvas(), points[0][0], points[0][1]).clickAndHold();
    for (int i = 1; i < points.length; i++) {
      int[] from = points[i - 1];
      int[] to = points[i];
      int steps = Math.max(1, (int) Math.hypot(to[0] - from[0], to[1] - from[1]) / 10);
      for (int s = 1; s <= steps; s++) {
        actions.moveToElement(
            canvas(),
            from[0] + (to[0] - from[0]) * s / steps,
            from[1] + (to[1] - from[1]) * s / steps);
      }
    }
    actions.release().perform();
  }

  @Test
  void drawsASevenWithTheMouseAndTheModelNamesIt() throws Exception {
    // a bar across the top, then down to the left: two strokes, as a person draws a 7
    mouseStroke(new int[][] {{-60, -90}, {65, -90}});
    mouseStroke(new int[][] {{65, -90}, {-15, 100}});
    assertThat(predict()).isEqualTo("7");
    List<WebElement> bars = driver.findElements(By.cssSelector("#bars .row"));
    assertThat(bars).hasSize(3);
    assertThat(bars.get(0).getAttribute("data-digit")).isEqualTo("7");
    assertThat(status()).matches("Answered in \\d+ ms\\.");
    Path shot = Path.of("target/serve-e2e.png");
    Files.write(shot, ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
    // what the browser sent, for a look (and a real drawn digit for bin/benchmark-serve --image)
    String dataUrl =
        (String)
            ((JavascriptExecutor) driver)
                .executeScript("return document.getElementById('canvas').toDataURL('image/png');");
    Files.write(
        Path.of("target/serve-e2e-canvas.png"),
        Base64.getDecoder().decode(dataUrl.substring(dataUrl.indexOf(',') + 1)));
  }

  @Test
  void drawsAOneWithAFingerAndTheModelNamesIt() {
    PointerInput finger = new PointerInput(PointerInput.Kind.TOUCH, "finger");
    Sequence stroke = new Sequence(finger, 0);
    stroke.addAction(
        finger.createPointerMove(
            Duration.ZERO, PointerInput.Origin.fromElement(canvas()), 5, -100));
    stroke.addAction(finger.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
    for (int y = -90; y <= 100; y += 10) {
      stroke.addAction(
          finger.createPointerMove(
              Duration.ofMillis(10), PointerInput.Origin.fromElement(canvas()), 0, y));
    }
    stroke.addAction(finger.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
    ((ChromeDriver) driver).perform(List.of(stroke));
    assertThat(predict()).isEqualTo("1");
  }

  @Test
  void aBlankCanvasShowsTheServersReasonAndClearForgetsTheAnswer() {
    predict();
    assertThat(status()).isEqualTo("Cannot read the image: no ink found (blank image)");
    assertThat(driver.findElement(By.id("status")).getAttribute("class")).isEqualTo("error");

    mouseStroke(new int[][] {{0, -100}, {0, 100}});
    assertThat(predict()).matches("\\d");
    driver.findElement(By.id("clear")).click();
    new WebDriverWait(driver, Duration.ofSeconds(5))
        .until(ExpectedConditions.textToBe(By.id("label"), "\u2013"));
    assertThat(driver.findElements(By.cssSelector("#bars .row"))).isEmpty();
    assertThat(status()).isEmpty();
  }

  /** Waits until the page has answered (a digit or an error) after a photo was given to it. */
  private void awaitAnswer() {
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(d -> status().startsWith("Answered") || status().startsWith("Cannot"));
  }

  /**
   * MNIST's first test digit (a 7) photographed on a page (every condition of the corpus at once,
   * seeded).
   */
  private static Path photoOfASeven(String name, int width) throws Exception {
    byte[] seven = TestModels.testPixels(1).get(0);
    var photo =
        io.digitclassifier.image.DigitPhotos.render(
            seven, null, io.digitclassifier.image.DigitPhotos.Condition.PHOTO, 4);
    java.awt.image.BufferedImage page =
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(photo.encoded()));
    // a phone's photo is large: enlarged, so that the page has to shrink it before sending
    java.awt.image.BufferedImage big =
        new java.awt.image.BufferedImage(
            width,
            width * page.getHeight() / page.getWidth(),
            java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = big.createGraphics();
    g.setRenderingHint(
        java.awt.RenderingHints.KEY_INTERPOLATION,
        java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(page, 0, 0, big.getWidth(), big.getHeight(), null);
    g.dispose();
    Path file = profile.resolveSibling(profile.getFileName() + "-" + name);
    javax.imageio.ImageIO.write(big, "jpg", file.toFile());
    return file;
  }

  @Test
  void aPhotoChosenWithTheFilePickerIsRead() throws Exception {
    Path photo = photoOfASeven("seven.jpg", 2400);

    driver.findElement(By.id("photo")).sendKeys(photo.toString());
    awaitAnswer();

    assertThat(status()).matches("Answered in \\d+ ms\\.");
    assertThat(driver.findElement(By.id("label")).getText()).isEqualTo("7");
    // drawing afterwards starts a new drawing on a clear canvas
    mouseStroke(new int[][] {{0, -100}, {0, 100}});
    assertThat(driver.findElement(By.id("label")).getText()).isEqualTo("\u2013");
    assertThat(predict()).isEqualTo("1");
    Files.delete(photo);
  }

  @Test
  void aPhotoDroppedOnTheCanvasIsReadAndAPageWithoutADigitIsRefused() throws Exception {
    Path photo = photoOfASeven("dropped.jpg", 800);
    String drop =
        "var bytes = Uint8Array.from(atob(arguments[0]), function (c) { return c.charCodeAt(0); });"
            + "var data = new DataTransfer(); data.items.add(new File([bytes], arguments[1], {type: arguments[2]}));"
            + "document.getElementById('canvas').dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true,"
            + " cancelable: true}));";
    ((JavascriptExecutor) driver)
        .executeScript(
            drop,
            Base64.getEncoder().encodeToString(Files.readAllBytes(photo)),
            "dropped.jpg",
            "image/jpeg");
    awaitAnswer();
    assertThat(driver.findElement(By.id("label")).getText()).isEqualTo("7");

    // ruled paper and nothing on it
    var blank =
        io.digitclassifier.image.DigitPhotos.render(
            new byte[784], null, io.digitclassifier.image.DigitPhotos.Condition.RULED_LINES, 9);
    String before = status();
    ((JavascriptExecutor) driver)
        .executeScript(
            drop,
            Base64.getEncoder().encodeToString(blank.encoded()),
            "lined." + blank.extension(),
            "image/png");
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(d -> !status().equals(before) && status().startsWith("Cannot"));
    assertThat(status()).startsWith("Cannot read the image: no digit found (");
    assertThat(driver.findElement(By.id("label")).getText()).isEqualTo("\u2013");

    // a file that is not an image is refused by the page itself
    ((JavascriptExecutor) driver)
        .executeScript(
            drop,
            Base64.getEncoder().encodeToString("hello".getBytes()),
            "notes.txt",
            "text/plain");
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> status().contains("notes.txt"));
    assertThat(status()).isEqualTo("Cannot read notes.txt: not an image this browser can open");
    Files.delete(photo);
  }
}
