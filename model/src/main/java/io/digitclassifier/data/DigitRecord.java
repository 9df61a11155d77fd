package io.digitclassifier.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One digit as every part of the project sees it: a stable id, an optional label and 28x28 pixels.
 *
 * <p>Pixels are row-major (pixel {@code i} is at row {@code i / 28}, column {@code i % 28}), 0-255
 * stored as unsigned bytes, light ink on a dark background as in MNIST and Kaggle. Normalisation to
 * [0,1] happens once, at the network's edge ({@link Digits#toFeatures}). A record that a reader
 * could not parse carries the reason in {@link #getError()} and no pixels; with the fail-fast
 * policy such records never leave a reader.
 *
 * <p>A Java bean so that {@code Encoders.bean(DigitRecord.class)} gives Spark SQL the schema {@code
 * id long, label int (nullable), pixels binary, source string, position string, error string}.
 */
public class DigitRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private Integer label;
  private byte[] pixels;
  private String source;
  private String position;
  private String error;

  public DigitRecord() {}

  public DigitRecord(long id, Integer label, byte[] pixels, String source, String position) {
    this.id = id;
    this.label = label;
    this.pixels = pixels;
    this.source = source;
    this.position = position;
  }

  /** A record that could not be read: where it was and why. */
  public static DigitRecord rejected(long id, String source, String position, String error) {
    DigitRecord r = new DigitRecord(id, null, null, source, position);
    r.error = error;
    return r;
  }

  /** 1-based position in the input for rows (Kaggle's ImageId); a stable number for image files. */
  public long getId() {
    return id;
  }

  public void setId(long id) {
    this.id = id;
  }

  /** 0-9, or null when the input has no label. */
  public Integer getLabel() {
    return label;
  }

  public void setLabel(Integer label) {
    this.label = label;
  }

  /** 784 unsigned bytes, row-major. */
  public byte[] getPixels() {
    return pixels;
  }

  public void setPixels(byte[] pixels) {
    this.pixels = pixels;
  }

  /** The file the record came from. */
  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }

  /**
   * Where in {@link #getSource()} it was: {@code line N}, {@code row N} or {@code byte offset N}.
   */
  public String getPosition() {
    return position;
  }

  public void setPosition(String position) {
    this.position = position;
  }

  /** Why the record was rejected, or null for a good record. */
  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }

  public boolean isRejected() {
    return error != null;
  }

  /** Pixel {@code i} as 0-255. */
  public int pixel(int i) {
    return pixels[i] & 0xFF;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof DigitRecord)) return false;
    DigitRecord that = (DigitRecord) o;
    return id == that.id
        && Objects.equals(label, that.label)
        && Arrays.equals(pixels, that.pixels)
        && Objects.equals(error, that.error);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(id) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "DigitRecord{id="
        + id
        + ", label="
        + label
        + ", source="
        + source
        + ", position="
        + position
        + (error == null ? "" : ", error=" + error)
        + "}";
  }
}
