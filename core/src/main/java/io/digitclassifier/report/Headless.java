package io.digitclassifier.report;

/**
 * Puts AWT in headless mode before the reports touch it: jobs run on servers and CI without a
 * display.
 */
final class Headless {
  private Headless() {}

  /** Sets {@code java.awt.headless=true} unless the JVM was started with an explicit choice. */
  static void ensure() {
    if (System.getProperty("java.awt.headless") == null)
      System.setProperty("java.awt.headless", "true");
  }
}
