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
}
