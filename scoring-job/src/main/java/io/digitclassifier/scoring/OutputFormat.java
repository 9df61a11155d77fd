package io.digitclassifier.scoring;

import java.util.Locale;

/** How scored rows are written. */
public enum OutputFormat {
  /** Parquet (default): probabilities as array&lt;float&gt;. */
  PARQUET,
  /** CSV with a header: probabilities as columns p0..p9. */
  CSV;

  public String sparkName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OutputFormat parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Cannot use output format '" + s + "': expected parquet or csv");
    }
  }
}
