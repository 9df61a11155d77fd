package io.digitclassifier.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both jobs on an S3 API (S3Proxy on 127.0.0.1, its objects kept in memory), through s3a with
 * path-style access: a model trained into S3 with its completion marker, MNIST digits scored from
 * S3 into S3 with a Kaggle file on S3, a failed write and an incomplete model that no reader takes
 * as complete, wrong credentials and a missing bucket in one line, and the secret in no log or
 * output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3StorageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Commands.ROOT.resolve("storage-tests/target/s3");
  private static final String ACCESS_KEY = "AKIADIGITCLASSIFIER";
  private static final String SECRET =
      "s3cr3t-" + Long.toHexString(System.nanoTime()) + "-never-logged";
  private static final String BUCKET = "digits";

  /**
   * The S3 API the tests run against: S3Proxy keeping its objects in memory (jclouds' transient
   * backend). Its filesystem backend, which keeps objects as files, waits 10 s on every directory
   * S3A deletes before the files in it (jclouds retries a non-empty directory's deletion ten times,
   * a second apart): 70 s of this class's 120 s went there.
   */
  private static S3Proxy s3;

  /**
   * A second S3Proxy, on the filesystem backend, for the one test that needs it: it sends no ETag
   * for an object it did not write itself.
   */
  private static S3Proxy withoutEtags;

  /** The tests' own s3a client of {@link #s3}: what they write into the bucket and read back. */
  private static FileSystem bucket;

  /** Where {@link #withoutEtags} keeps its objects. */
  private static Path noEtagObjects;

  /** A running S3Proxy and its endpoint, {@code http://127.0.0.1:PORT}. */
  private record S3Proxy(Process process, String endpoint) {}

  @BeforeAll
  static void startS3() throws Exception {
    if (Files.exists(WORK)) {
      try (Stream<Path> files = Files.walk(WORK)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    Files.createDirectories(WORK);
    s3 = startProxy("s3proxy", "jclouds.provider=transient");
    // a bucket, made as a user makes one: through the S3 API (the SDK s3a brings)
    AmazonS3 client =
        AmazonS3ClientBuilder.standard()
            .withEndpointConfiguration(
                new AwsClientBuilder.EndpointConfiguration(s3.endpoint(), "us-east-1"))
            .withPathStyleAccessEnabled(true)
            .withCredentials(
                new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, SECRET)))
            .build();
    try {
      client.createBucket(BUCKET);
    } finally {
      client.shutdown();
    }
    Configuration conf = new Configuration();
    s3aSettings(s3, ACCESS_KEY, SECRET).forEach(conf::set);
    conf.setBoolean("fs.s3a.impl.disable.cache", true);
    bucket = FileSystem.get(URI.create("s3a://" + BUCKET + "/"), conf);
    put("test.csv", kaggleCsv(2000, -1));
    put("bad.csv", kaggleCsv(300, 250));
  }

  /** Starts S3Proxy on a free port of 127.0.0.1 with the given backend settings. */
  private static S3Proxy startProxy(String name, String... backend) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Path props = WORK.resolve(name + ".properties");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET));
    lines.addAll(List.of(backend));
    lines.add("");
    Files.writeString(props, String.join("\n", lines));
    Path log = WORK.resolve(name + ".log");
    Process proxy =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("s3proxy.jar"),
                "--properties",
                props.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    // refused connections while S3Proxy starts up
    Poll.until(
        "S3Proxy listening on " + endpoint,
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        List.of(SocketException.class),
        () -> {
          if (!proxy.isAlive()) {
            throw new AssertionError(
                String.format(
                    "S3Proxy ended (exit %d) before it listened: %s",
                    proxy.exitValue(), Files.readString(log)));
          }
          new Socket("127.0.0.1", port).close(); // listening
          return Poll.ready(port);
        });
    return new S3Proxy(proxy, endpoint);
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (bucket != null) bucket.close();
    for (S3Proxy p : new S3Proxy[] {s3, withoutEtags}) {
      if (p != null) p.process().destroyForcibly().waitFor();
    }
  }

  /** Writes an object into the bucket. */
  private static void put(String key, byte[] bytes) throws IOException {
    try (var out = bucket.create(new org.apache.hadoop.fs.Path("/" + key), true)) {
      out.write(bytes);
    }
  }

  /**
   * The bucket's objects as they are now, downloaded into {@code target/s3/bucket} (replaced on
   * every call): what the tests look at, and what the secret is searched for in.
   */
  private static Path objects() throws IOException {
    Path view = WORK.resolve("bucket");
    LocalFiles.deleteRecursively(view);
    Files.createDirectories(view);
    RemoteIterator<LocatedFileStatus> files =
        bucket.listFiles(new org.apache.hadoop.fs.Path("/"), true);
    while (files.hasNext()) {
      org.apache.hadoop.fs.Path object = files.next().getPath();
      Path local = view.resolve(object.toUri().getPath().substring(1));
      Files.createDirectories(local.getParent());
      try (InputStream in = bucket.open(object)) {
        Files.copy(in, local);
      }
    }
    return view;
  }

  /** s3a's settings for {@code server}; the credentials only when given. */
  private static Map<String, String> s3aSettings(S3Proxy server, String accessKey, String secret) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("fs.s3a.endpoint", server.endpoint());
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put("fs.s3a.change.detection.version.required", "false");
    if (accessKey != null) {
      settings.put("fs.s3a.access.key", accessKey);
      settings.put("fs.s3a.secret.key", secret);
    }
    return settings;
  }

  /** {@link #s3aSettings} as the jobs' --conf flags. */
  private static List<String> s3a(S3Proxy server, String accessKey, String secret) {
    List<String> conf = new ArrayList<>();
    s3aSettings(server, accessKey, secret)
        .forEach((k, v) -> conf.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
    return conf;
  }

  private static List<String> command(List<String> head, List<String> conf, String... args) {
    List<String> out = new ArrayList<>(head);
    out.addAll(conf);
    out.addAll(List.of(args));
    return out;
  }

  private static String s3(String key) {
    return "s3a://" + BUCKET + "/" + key;
  }

  @Test
  @Order(1)
  void trainsIntoS3AndMarksTheModelCompleteLast() throws Exception {
    Commands.ok(
        WORK.resolve("train.log"),
        command(
            List.of("bin/train"),
            s3a(s3, ACCESS_KEY, SECRET),
            "--model",
            "lenet",
            "--limit",
            "2000",
            "--augment-copies",
            "0",
            "--epochs",
            "1",
            "--output",
            s3("runs/model")));
    Path model = objects().resolve("runs/model");
    for (String f :
        List.of(
            "model.zip", "metrics.json", "checkpoints/epoch-1.zip", "report.html", "_SUCCESS")) {
      assertThat(model.resolve(f)).as(f).exists();
    }
    JsonNode metrics = JSON.readTree(model.resolve("metrics.json").toFile());
    assertThat(metrics.at("/finalEvaluation/accuracy").asDouble()).isGreaterThan(0.8);
  }

  @Test
  @Order(2)
  void scoresFromS3IntoS3WithAKaggleFileOnS3() throws Exception {
    // credentials from the environment this time, as many deployments give them
    String output =
        Commands.ok(
            WORK.resolve("score.log"),
            command(
                List.of("bin/score"),
                s3a(s3, null, null),
                "--input",
                s3("test.csv"),
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored"),
                "--kaggle-submission",
                s3("kaggle/submission.csv")),
            Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET));
    // a run that worked warns of nothing (Spark's UI moving to another port, when another run holds
    // 4040, aside)
    assertThat(
            output
                .lines()
                .filter(l -> l.contains(" WARN ") && !l.contains("could not bind on port")))
        .as(output)
        .isEmpty();
    Path objects = objects();
    Path scored = objects.resolve("scored");
    JsonNode summary = JSON.readTree(scored.resolve("_summary.json").toFile());
    assertThat(summary.get("read").asLong()).isEqualTo(2000);
    assertThat(summary.get("scored").asLong()).isEqualTo(2000);
    assertThat(summary.at("/evaluation/accuracy").asDouble()).isGreaterThan(0.8);
    assertThat(summary.get("output").asText()).isEqualTo(s3("scored"));
    assertThat(scored.resolve("_SUCCESS")).exists();
    try (Stream<Path> parts = Files.list(scored)) {
      assertThat(parts.filter(f -> f.getFileName().toString().matches("part-.*\\.parquet")))
          .isNotEmpty();
    }
    List<String> kaggle = Files.readAllLines(objects.resolve("kaggle/submission.csv"));
    assertThat(kaggle).hasSize(2001);
    assertThat(kaggle.get(0)).isEqualTo("ImageId,Label");
  }

  @Test
  @Order(3)
  void aScoringThatFailsMidWriteLeavesNoOutputAReaderWouldTakeAsComplete() throws Exception {
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-bad.log"),
            command(
                List.of("bin/score"),
                s3a(s3, ACCESS_KEY, SECRET),
                "--input",
                s3("bad.csv"),
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored-bad")));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output()))
        .startsWith(
            "Scoring failed: Cannot read "
                + s3("bad.csv")
                + ": line 252, column pixel9: value 'oops'");
    // no object at all under the prefix
    assertThat(objects().resolve("scored-bad")).doesNotExist();
  }

  @Test
  @Order(3)
  void aFailedOverwriteLeavesTheOldOutputWhole() throws Exception {
    Path scored = objects().resolve("scored");
    List<String> before;
    try (Stream<Path> files = Files.walk(scored)) {
      before =
          files
              .filter(Files::isRegularFile)
              .map(f -> scored.relativize(f).toString())
              .sorted()
              .toList();
    }
    assertThat(before).contains("_SUCCESS", "_summary.json");
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-overwrite-missing.log"),
            command(
                List.of("bin/score"),
                s3a(s3, ACCESS_KEY, SECRET),
                "--input",
                s3("no-such.csv"),
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored"),
                "--overwrite"));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    objects(); // downloaded again
    List<String> after;
    try (Stream<Path> files = Files.walk(scored)) {
      after =
          files
              .filter(Files::isRegularFile)
              .map(f -> scored.relativize(f).toString())
              .sorted()
              .toList();
    }
    assertThat(after).as("the old output, every object of it").isEqualTo(before);
  }

  @Test
  @Order(4)
  void aModelWithoutItsCompletionMarkerIsRefused() throws Exception {
    put("runs/partial/model.zip", Files.readAllBytes(objects().resolve("runs/model/model.zip")));
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-partial.log"),
            command(
                List.of("bin/score"),
                s3a(s3, ACCESS_KEY, SECRET),
                "--input",
                s3("test.csv"),
                "--model",
                s3("runs/partial"),
                "--output",
                s3("scored-partial")));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output()))
        .isEqualTo(
            "Scoring failed: Cannot load model "
                + s3("runs/partial/model.zip")
                + ": its directory has no _SUCCESS marker, so it is incomplete (still being "
                + "written, or left by a failed run)");
  }

  @Test
  @Order(5)
  void wrongCredentialsAndAMissingBucketFailInSecondsWithOneLine() throws Exception {
    Commands.Result wrong =
        Commands.run(
            WORK.resolve("score-wrong-key.log"),
            command(
                List.of("bin/score"),
                s3a(s3, ACCESS_KEY, "not-the-secret"),
                "--input",
                s3("test.csv"),
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored-wrong")));
    assertThat(wrong.exit()).as(wrong.output()).isEqualTo(1);
    assertThat(Commands.failureLine(wrong.output()))
        .startsWith("Scoring failed: Cannot ")
        .contains(s3("runs/model"))
        .containsIgnoringCase("403");
    assertThat(wrong.output()).as("one line, no stack trace").doesNotContain("\tat ");
    assertThat(wrong.seconds()).isLessThan(90);

    String missing = "s3a://no-such-bucket/test.csv";
    Commands.Result noBucket =
        Commands.run(
            WORK.resolve("score-no-bucket.log"),
            command(
                List.of("bin/score"),
                s3a(s3, ACCESS_KEY, SECRET),
                "--input",
                missing,
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored-none")));
    assertThat(noBucket.exit()).as(noBucket.output()).isEqualTo(1);
    assertThat(Commands.failureLine(noBucket.output()))
        .startsWith("Scoring failed: Cannot read " + missing + ": ");
    assertThat(noBucket.seconds()).isLessThan(90);
  }

  /**
   * An S3 server that sends no ETags (S3Proxy's filesystem backend, for an object it did not write
   * itself, such as the model and test.csv copied into its directory here) fails S3A's default
   * change detection; the one failure line names the setting that reads without.
   */
  @Test
  @Order(5)
  void anS3ServerWithoutEtagsFailsWithOneLineNamingTheSetting() throws Exception {
    // the filesystem backend's objects: the model and test.csv copied in as files
    noEtagObjects = Files.createDirectories(WORK.resolve("objects-no-etags"));
    Path objects = objects();
    for (String key : List.of("test.csv", "runs/model")) {
      try (Stream<Path> files = Files.walk(objects.resolve(key))) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          Path to = noEtagObjects.resolve(BUCKET).resolve(objects.relativize(f).toString());
          Files.createDirectories(to.getParent());
          Files.copy(f, to);
        }
      }
    }
    withoutEtags =
        startProxy(
            "s3proxy-no-etags",
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + noEtagObjects);
    List<String> conf = new ArrayList<>(s3a(withoutEtags, ACCESS_KEY, SECRET));
    int at = conf.indexOf("spark.hadoop.fs.s3a.change.detection.version.required=false");
    conf.remove(at);
    conf.remove(at - 1); // its --conf
    Commands.Result r =
        Commands.run(
            WORK.resolve("score-no-etag.log"),
            command(
                List.of("bin/score"),
                conf,
                "--input",
                s3("test.csv"),
                "--model",
                s3("runs/model"),
                "--output",
                s3("scored-no-etag")));
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(Commands.failureLine(r.output()))
        .startsWith("Scoring failed: ")
        .contains("Change detection policy requires ETag")
        .contains(
            "the S3 server sends no ETags: set fs.s3a.change.detection.version.required=false (or "
                + "fs.s3a.change.detection.mode=none), for bin/train and bin/score with --conf "
                + "spark.hadoop.fs.s3a.change.detection.version.required=false");
    assertThat(noEtagObjects.resolve(BUCKET).resolve("scored-no-etag")).doesNotExist();
  }

  @Test
  @Order(6)
  void theSecretIsInNoLogAndNoOutput() throws Exception {
    List<Path> checked = new ArrayList<>();
    objects(); // the bucket's objects, downloaded beside the logs
    // every log of this class's runs and everything they wrote
    for (Path root : List.of(WORK)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          String name = f.getFileName().toString();
          if (name.startsWith("s3proxy") && name.endsWith(".properties"))
            continue; // the servers' own configuration
          byte[] bytes = Files.readAllBytes(f);
          assertThat(new String(bytes, StandardCharsets.ISO_8859_1))
              .as("%s", f)
              .doesNotContain(SECRET);
          checked.add(f);
        }
      }
    }
    assertThat(checked)
        .as("logs, reports, metrics, summaries and outputs were read")
        .anyMatch(f -> f.toString().endsWith("metrics.json"))
        .anyMatch(f -> f.toString().endsWith("_summary.json"))
        .anyMatch(f -> f.toString().endsWith("score.log"))
        .anyMatch(f -> f.toString().endsWith("report.html"));
  }

  /**
   * Kaggle's train.csv format: the first {@code rows} of MNIST's test digits; row {@code badRow}
   * gets a bad value.
   */
  private static byte[] kaggleCsv(int rows, int badRow) throws IOException {
    Path mnist = Commands.ROOT.resolve("data/mnist");
    StringBuilder csv = new StringBuilder("label");
    for (int i = 0; i < 784; i++) csv.append(",pixel").append(i);
    csv.append('\n');
    try (DataInputStream images =
            new DataInputStream(Files.newInputStream(mnist.resolve("t10k-images-idx3-ubyte")));
        InputStream labels = Files.newInputStream(mnist.resolve("t10k-labels-idx1-ubyte"))) {
      images.skipNBytes(16);
      labels.skipNBytes(8);
      byte[] pixels = new byte[784];
      for (int row = 0; row < rows; row++) {
        images.readFully(pixels);
        csv.append(labels.read());
        for (int i = 0; i < 784; i++)
          csv.append(',').append(row == badRow && i == 9 ? "oops" : pixels[i] & 0xff);
        csv.append('\n');
      }
    }
    return csv.toString().getBytes(StandardCharsets.UTF_8);
  }
}
