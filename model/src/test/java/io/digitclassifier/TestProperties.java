package io.digitclassifier;

import java.util.HashMap;
import java.util.Map;

/**
 * JVM-wide system properties set for the length of a test body, then put back as they were (a
 * module's test classes run one at a time in one JVM).
 */
public final class TestProperties {
  private TestProperties() {}

  /** A test body. */
  public interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body} with {@code settings} set, then gives each property its earlier value back,
   * or clears it where it had none.
   */
  public static void with(Map<String, String> settings, Body body) throws Exception {
    Map<String, String> was = new HashMap<>();
    settings.forEach((key, value) -> was.put(key, System.setProperty(key, value)));
    try {
      body.run();
    } finally {
      was.forEach(
          (key, value) -> {
            if (value == null) System.clearProperty(key);
            else System.setProperty(key, value);
          });
    }
  }
}
