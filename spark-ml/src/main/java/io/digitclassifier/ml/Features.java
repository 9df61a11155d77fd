package io.digitclassifier.ml;

import io.digitclassifier.data.Digits;
import io.digitclassifier.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * The feature column types a {@link DigitClassifierModel} (and its SQL functions) accept, and their
 * conversion to one MNIST digit (784 bytes, light ink on dark, row-major) for the prediction path:
 *
 * <ul>
 *   <li>{@code array<int>}, {@code array<long>}, {@code array<double>} (or another numeric element
 *       type): 784 values 0-255, as the project's Parquet and Kaggle's CSV hold them (doubles are
 *       rounded);
 *   <li>an ML {@code Vector} of 784 values 0-255 (dense or sparse);
 *   <li>{@code binary}: 784 raw pixel bytes, or the bytes of an image file (PNG, JPEG, GIF, BMP,
 *       TIFF, WebP, as {@code spark.read.format("binaryFile")} gives them in {@code content}),
 *       which go through the same MNIST recipe as image folders and the canvas (photos included);
 *   <li>the struct of Spark's {@code image} data source ({@code origin, height, width, nChannels,
 *       mode, data}), which goes through the same recipe.
 * </ul>
 *
 * A value that is none of these, or out of range, is a {@link BadFeatureException} naming what was
 * wrong.
 */
final class Features {
  static final String ACCEPTED =
      "array<int|long|float|double> of "
          + Digits.PIXELS
          + " values 0-255, an ML Vector of "
          + Digits.PIXELS
          + ", binary ("
          + Digits.PIXELS
          + " pixel bytes or an image file's bytes) or the struct of "
          + "Spark's image data source";

  private Features() {}

  /**
   * The type check behind {@code transformSchema}: null when {@code type} is accepted, otherwise
   * why not.
   */
  static String refusal(DataType type) {
    if (type instanceof ArrayType a) {
      return a.elementType() instanceof NumericType
          ? null
          : "an array of " + a.elementType().simpleString();
    }
    if (type instanceof BinaryType || SQLDataTypes.VectorType().sameType(type)) return null;
    if (type instanceof StructType s) {
      List<String> names = List.of(s.fieldNames());
      return names.containsAll(List.of("height", "width", "nChannels", "data"))
          ? null
          : "a struct without the image data source's height, width, nChannels and data";
    }
    return type.simpleString();
  }

  /** The 784 pixels of one value of an accepted column; null values and bad values throw. */
  static byte[] pixels(Object value) {
    if (value == null) throw new BadFeatureException("the value is null");
    if (value instanceof byte[] bytes) return binary(bytes);
    if (value instanceof Vector v) return fromVector(v);
    if (value instanceof Row image) return fromImageStruct(image);
    if (value instanceof scala.collection.Seq<?> seq)
      return fromValues(scala.collection.JavaConverters.seqAsJavaList(seq));
    if (value instanceof List<?> list) return fromValues(list);
    throw new BadFeatureException(
        "a " + value.getClass().getSimpleName() + " is not a digit (" + ACCEPTED + ")");
  }

  /**
   * Exactly 784 bytes are always raw pixels, whatever they start with (the project's own Parquet
   * and the scoring job hand digits over so; a digit on a noisy background may begin with an image
   * format's magic bytes); any other length must be an image file. An image file of exactly 784
   * bytes is not accepted as one: give it as the image data source's struct instead.
   */
  private static byte[] binary(byte[] bytes) {
    if (bytes.length == Digits.PIXELS) return bytes.clone();
    if (!looksLikeImageFile(bytes)) {
      throw new BadFeatureException(
          bytes.length
              + " bytes that are neither "
              + Digits.PIXELS
              + " pixels nor an image file (PNG, JPEG, GIF, BMP, TIFF, WebP)");
    }
    try {
      return ImagePreprocessor.toMnist(bytes);
    } catch (RuntimeException e) { // ImageDecoder turns a hostile image's Errors into exceptions
      throw new BadFeatureException(
          "an image file that cannot be read as a digit: " + e.getMessage());
    }
  }

  /**
   * By the formats' magic numbers: whether bytes of another length than 784 can be an image file.
   */
  static boolean looksLikeImageFile(byte[] b) {
    return startsWith(b, 0x89, 'P', 'N', 'G')
        || startsWith(b, 0xFF, 0xD8, 0xFF)
        || startsWith(b, 'G', 'I', 'F', '8')
        || startsWith(b, 'B', 'M')
        || startsWith(b, 'I', 'I', 42, 0)
        || startsWith(b, 'M', 'M', 0, 42)
        || (startsWith(b, 'R', 'I', 'F', 'F')
            && b.length >= 12
            && b[8] == 'W'
            && b[9] == 'E'
            && b[10] == 'B'
            && b[11] == 'P');
  }

  private static boolean startsWith(byte[] b, int... prefix) {
    if (b.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) if ((b[i] & 0xFF) != prefix[i]) return false;
    return true;
  }

  private static byte[] fromVector(Vector v) {
    if (v.size() != Digits.PIXELS) {
      throw new BadFeatureException(
          "a Vector of " + v.size() + " values, expected " + Digits.PIXELS);
    }
    byte[] out = new byte[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) out[i] = pixel(v.apply(i), i);
    return out;
  }

  private static byte[] fromValues(List<?> values) {
    if (values.size() != Digits.PIXELS) {
      throw new BadFeatureException(
          "an array of " + values.size() + " values, expected " + Digits.PIXELS);
    }
    byte[] out = new byte[Digits.PIXELS];
    for (int i = 0; i < Digits.PIXELS; i++) {
      Object x = values.get(i);
      if (!(x instanceof Number n)) {
        throw new BadFeatureException(
            "element " + i + " is " + (x == null ? "null" : x) + ", expected a number 0-255");
      }
      out[i] = pixel(n.doubleValue(), i);
    }
    return out;
  }

  private static byte pixel(double x, int index) {
    if (!(x >= 0 && x <= 255)) { // NaN too
      throw new BadFeatureException("element " + index + " is " + x + ", expected 0-255");
    }
    return (byte) Math.round(x);
  }

  /**
   * Spark's image struct: {@code data} holds rows of pixels in OpenCV's order (B, G, R[, A]) or one
   * grey byte.
   */
  private static byte[] fromImageStruct(Row image) {
    int height;
    int width;
    int channels;
    byte[] data;
    try {
      height = image.getInt(image.fieldIndex("height"));
      width = image.getInt(image.fieldIndex("width"));
      channels = image.getInt(image.fieldIndex("nChannels"));
      data = (byte[]) image.get(image.fieldIndex("data"));
    } catch (ClassCastException | NullPointerException e) {
      throw new BadFeatureException(
          "an image struct whose height, width and nChannels are not ints or whose data is not binary "
              + "(as Spark's image data source writes them)");
    }
    if (height < 1
        || width < 1
        || height > ImagePreprocessor.MAX_SIDE
        || width > ImagePreprocessor.MAX_SIDE) {
      throw new BadFeatureException(
          "an image of "
              + width
              + "x"
              + height
              + ", expected sides 1-"
              + ImagePreprocessor.MAX_SIDE
              + " (an unreadable file gives -1 in the image data source)");
    }
    if (channels != 1 && channels != 3 && channels != 4) {
      throw new BadFeatureException("an image with " + channels + " channels, expected 1, 3 or 4");
    }
    if (data == null || data.length != (long) height * width * channels) {
      throw new BadFeatureException(
          "an image whose data has "
              + (data == null ? 0 : data.length)
              + " bytes, expected "
              + "height x width x nChannels = "
              + ((long) height * width * channels));
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0, i = 0; y < height; y++) {
      for (int x = 0; x < width; x++, i += channels) {
        int b = data[i] & 0xFF;
        int g = channels == 1 ? b : data[i + 1] & 0xFF;
        int r = channels == 1 ? b : data[i + 2] & 0xFF;
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    try {
      return ImagePreprocessor.toMnist(img);
    } catch (RuntimeException e) {
      throw new BadFeatureException("an image that cannot be read as a digit: " + e.getMessage());
    }
  }

  /**
   * A feature value the model cannot score; its message says what the value was and what was
   * expected.
   */
  static final class BadFeatureException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadFeatureException(String message) {
      super(message);
    }
  }

  /** The output column types, for {@code transformSchema}. */
  static DataType vectorType() {
    return SQLDataTypes.VectorType();
  }

  static DataType predictionType() {
    return DataTypes.DoubleType;
  }
}
