package io.digitclassifier.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The input formats, each with its reader, and the rule that picks one from a path. */
public enum DataFormat {
  /** MNIST IDX: an images file (idx3) and optionally its labels file (idx1), raw or gzipped. */
  IDX(IdxDigitReader::new),
  /** Kaggle's CSV: {@code label,pixel0..pixel783} (train.csv) or {@code pixel0..pixel783} (test.csv). */
  CSV(KaggleCsvDigitReader::new),
  /** Parquet with {@code pixels} (array&lt;int&gt; of 784 or binary of 784 bytes) and optional {@code label}, {@code id}. */
  PARQUET(ParquetDigitReader::new);

  private final Supplier<DigitReader> reader;

  DataFormat(Supplier<DigitReader> reader) {
    this.reader = reader;
  }

  public DigitReader reader() {
    return reader.get();
  }

  /** Parses a {@code --data-format} value (case-insensitive). */
  public static DataFormat parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Cannot use data format '" + name + "': expected one of idx, csv, parquet");
    }
  }

  /**
   * The format a path's name implies: {@code .csv[.gz]} is CSV, {@code .parquet} or a directory of Parquet
   * files is Parquet, {@code *-ubyte[.gz]} or {@code *.idx*} is IDX.
   */
  public static DataFormat detect(String path) {
    String name = Path.of(path).getFileName().toString().toLowerCase(Locale.ROOT);
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    if (base.endsWith(".csv")) return CSV;
    if (base.endsWith(".parquet")) return PARQUET;
    if (base.endsWith("-ubyte") || base.contains(".idx") || base.contains("-idx")) return IDX;
    Path p = Path.of(path);
    if (Files.isDirectory(p)) {
      try (Stream<Path> files = Files.list(p)) {
        if (files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"))) return PARQUET;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalArgumentException("Cannot tell the data format of '" + path
        + "' from its name: expected .csv, .parquet, an IDX name (*-ubyte, *.idx3) or --data-format idx|csv|parquet");
  }
}
