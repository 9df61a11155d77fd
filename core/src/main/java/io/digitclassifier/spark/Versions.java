package io.digitclassifier.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The versions this build was made with (project, Spark, DL4J), for metrics and summaries. */
public final class Versions {
  private Versions() {}

  public static Map<String, String> all() {
    Properties p = new Properties();
    try (InputStream in =
        Versions.class.getResourceAsStream("/io/digitclassifier/versions.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : new String[] {"project", "spark", "dl4j"})
      out.put(k, p.getProperty(k, "unknown"));
    out.put("java", System.getProperty("java.version"));
    return out;
  }
}
