package io.digitclassifier.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Images built to exhaust a decoder, made here byte by byte (small files, seeded, nothing
 * downloaded): the server's, scoring's and the decoder's tests share them.
 */
public final class HostileImages {
  private HostileImages() {}

  /**
   * A 54-byte BMP: a 1x1 BITMAPINFOHEADER whose compression is {@code compression} (5: an embedded
   * PNG, 4: JPEG, 1: RLE8) and whose image-size field declares {@code declaredBytes}, which the
   * JDK's reader allocates.
   */
  public static byte[] bmp(int compression, long declaredBytes) {
    ByteBuffer b = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B')
        .put((byte) 'M')
        .putInt(54)
        .putInt(0)
        .putInt(54); // file header: size, reserved, pixel offset
    b.putInt(40)
        .putInt(1)
        .putInt(1)
        .putShort((short) 1)
        .putShort((short) 24); // DIB header: 1x1, 1 plane, 24 bits
    b.putInt(compression).putInt((int) declaredBytes).putInt(2835).putInt(2835).putInt(0).putInt(0);
    return b.array();
  }

  /**
   * A PNG of {@code side}x{@code side} in 16-bit RGBA, all zero: about 130 KB for 4096, 128 MiB
   * decoded.
   */
  public static byte[] png16BitRgba(int side) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
      ByteBuffer ihdr =
          ByteBuffer.allocate(13)
              .putInt(side)
              .putInt(side)
              .put((byte) 16)
              .put((byte) 6)
              .put((byte) 0)
              .put((byte) 0)
              .put((byte) 0);
      chunk(out, "IHDR", ihdr.array());
      Deflater deflater = new Deflater(9);
      byte[] row = new byte[1 + side * 8]; // filter byte 0 and zero samples
      ByteArrayOutputStream idat = new ByteArrayOutputStream();
      byte[] buffer = new byte[1 << 16];
      for (int y = 0; y < side; y++) {
        deflater.setInput(row);
        while (!deflater.needsInput()) idat.write(buffer, 0, deflater.deflate(buffer));
      }
      deflater.finish();
      while (!deflater.finished()) idat.write(buffer, 0, deflater.deflate(buffer));
      deflater.end();
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /**
   * A progressive JPEG of {@code side}x{@code side} grey whose last scan is repeated until the file
   * has {@code scans} scans: libjpeg decodes the whole image again for each (a repeated scan is
   * only a warning).
   */
  public static byte[] progressiveJpegWithScans(int side, int scans) {
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
    byte[] jpeg = jpeg(image, true);
    // the last SOS segment up to the EOI marker, repeated
    int lastSos = -1;
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) lastSos = i;
    }
    int eoi = jpeg.length - 2;
    int existing = 0;
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) existing++;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, eoi);
    for (int k = existing; k < scans; k++) out.write(jpeg, lastSos, eoi - lastSos);
    out.write(jpeg, eoi, 2);
    return out.toByteArray();
  }

  /** A CMYK JPEG (four components, Adobe marker) of a dark digit-like bar on white paper. */
  public static byte[] cmykJpeg(int width, int height) {
    WritableRaster raster =
        Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, width, height, 4, null);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        boolean ink = x > width * 0.45 && x < width * 0.55 && y > height * 0.2 && y < height * 0.8;
        // Adobe's inverted CMYK, as Photoshop writes it: 255 is no ink, K = 0 full black
        raster.setPixel(x, y, new int[] {255, 255, 255, ink ? 0 : 255});
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    // the Adobe APP14 segment that says "four components, no colour transform: CMYK", right after
    // SOI
    byte[] plain = out.toByteArray();
    byte[] adobe = {
      (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };
    ByteArrayOutputStream cmyk = new ByteArrayOutputStream();
    cmyk.write(plain, 0, 2);
    cmyk.write(adobe, 0, adobe.length);
    cmyk.write(plain, 2, plain.length - 2);
    return cmyk.toByteArray();
  }

  static byte[] jpeg(BufferedImage image, boolean progressive) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (progressive) param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
