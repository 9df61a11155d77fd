package io.digitclassifier.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * Every credential setting of the filesystems the README names is hidden by Spark's own redaction
 * ({@code Utils.redact}, what the UI's environment page, the event log and {@code spark-submit
 * --verbose} use) under the regex the jobs set.
 */
class RedactionTest {
  private static final String SECRET = "s3cr3t-value";

  /** Spark's replacement text (a private constant of its Utils). */
  private static final String REDACTED = "*********(redacted)";

  /** As a job gets them: {@code --conf spark.hadoop.KEY=...}. */
  private static final List<String> CREDENTIALS =
      List.of(
          "fs.s3a.access.key",
          "fs.s3a.secret.key",
          "fs.s3a.session.token",
          "fs.s3a.encryption.key",
          "fs.s3a.server-side-encryption.key",
          "fs.s3a.bucket.digits.secret.key",
          "fs.s3a.bucket.digits.encryption.key",
          "fs.azure.account.key.myaccount.dfs.core.windows.net",
          "fs.azure.account.key.myaccount.blob.core.windows.net",
          "fs.azure.sas.container.myaccount.blob.core.windows.net",
          "fs.azure.sas.fixed.token",
          "fs.azure.account.oauth2.client.secret",
          "fs.azure.encryption.encoded.key",
          "fs.gs.auth.service.account.private.key",
          "fs.gs.auth.service.account.private.key.id",
          "fs.gs.auth.client.secret",
          "fs.gs.encryption.key");

  private static final Map<String, String> NOT_SECRET =
      Map.of(
          "spark.hadoop.fs.s3a.endpoint",
          "http://127.0.0.1:9000",
          "spark.master",
          "local[2]",
          "spark.hadoop.fs.azure.account.keyprovider.myaccount.blob.core.windows.net",
          "org.example.KeyProvider");

  private static Map<String, String> redacted(SparkConf conf) {
    List<Tuple2<String, String>> kvs = new ArrayList<>();
    for (Tuple2<String, String> kv : conf.getAll()) kvs.add(kv);
    Map<String, String> out = new LinkedHashMap<>();
    for (Tuple2<String, String> kv :
        JavaConverters.seqAsJavaList(
            Utils.redact(conf, JavaConverters.asScalaBuffer(kvs).toSeq()))) {
      out.put(kv._1(), kv._2());
    }
    return out;
  }

  private static SparkConf withCredentials() {
    SparkConf conf = new SparkConf(false);
    for (String key : CREDENTIALS) conf.set("spark.hadoop." + key, SECRET);
    NOT_SECRET.forEach(conf::set);
    return conf;
  }

  @Test
  void everyCredentialSettingIsRedactedUnderTheJobsRegex() {
    // Spark's default alone leaves Azure's account key, S3A's encryption key and a GCS private key
    // in the clear
    Map<String, String> sparkDefault = redacted(withCredentials());
    assertThat(sparkDefault)
        .containsEntry("spark.hadoop.fs.azure.account.key.myaccount.dfs.core.windows.net", SECRET)
        .containsEntry("spark.hadoop.fs.s3a.encryption.key", SECRET)
        .containsEntry("spark.hadoop.fs.gs.auth.service.account.private.key", SECRET);

    Map<String, String> jobs = redacted(SparkSessions.redactCredentials(withCredentials()));
    for (String key : CREDENTIALS) {
      assertThat(jobs.get("spark.hadoop." + key)).as(key).isEqualTo(REDACTED);
    }
    NOT_SECRET.forEach((k, v) -> assertThat(jobs).containsEntry(k, v));
  }

  @Test
  void aRegexOfTheUsersOwnIsExtendedNotReplaced() {
    SparkConf conf = withCredentials().set("spark.redaction.regex", "(?i)mycompany[.]apikey");
    conf.set("spark.hadoop.mycompany.apikey", SECRET);
    Map<String, String> out = redacted(SparkSessions.redactCredentials(conf));
    assertThat(out.get("spark.hadoop.mycompany.apikey")).isEqualTo(REDACTED);
    assertThat(out.get("spark.hadoop.fs.azure.account.key.myaccount.dfs.core.windows.net"))
        .isEqualTo(REDACTED);
    // set once: a second pass (the regex now holds ours) changes nothing
    String regex = conf.get("spark.redaction.regex");
    assertThat(SparkSessions.redactCredentials(conf).get("spark.redaction.regex")).isEqualTo(regex);
  }

  /**
   * spark-submit redacts with the regex of the properties file it read, before the job runs: they
   * ship ours.
   */
  @Test
  void sparkDefaultsAndEveryTemplateShipTheJobsRegex() throws Exception {
    Path conf = Path.of("..", "conf");
    List<Path> files = new ArrayList<>(List.of(conf.resolve("spark-defaults.conf")));
    try (var templates = Files.list(conf.resolve("templates"))) {
      templates
          .filter(p -> p.getFileName().toString().startsWith("spark-defaults"))
          .sorted()
          .forEach(files::add);
    }
    assertThat(files).hasSizeGreaterThan(1);
    for (Path f : files) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        p.load(r); // as Spark reads spark-defaults.conf
      }
      assertThat(p.getProperty("spark.redaction.regex"))
          .as(f.toString())
          .isEqualTo(SparkSessions.REDACTION_REGEX);
    }
  }
}
