package io.digitclassifier.artifacts;

import io.digitclassifier.onnx.OnnxExport;
import io.digitclassifier.predict.Engine;
import io.digitclassifier.predict.Predictor;
import io.digitclassifier.storage.Hashing;
import io.digitclassifier.storage.Storage;
import java.io.Serializable;
import onnx.OnnxMl;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes an engine needs to predict with a model, read once (on the driver, or the server) and
 * handed to {@link Predictor}: a broadcast carries them to executors. {@code zipSha256} is the
 * model's identity (its {@code model.zip}); {@code zip} is kept only for the DL4J engine, {@code
 * onnx} only for ONNX Runtime.
 *
 * <p>A class, not a record: Spark's Kryo (4.x) cannot rebuild a record's final fields from a
 * broadcast.
 */
public final class ModelArtifacts implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ModelArtifacts.class);
  public static final String FROM_FILE = ModelFiles.ONNX;
  public static final String EXPORTED = "exported in memory";

  private String source;
  private String zipSha256;
  private byte[] zip;
  private String onnxSha256;
  private byte[] onnx;
  private String onnxOrigin;

  private ModelArtifacts() {} // Kryo

  /**
   * @param source where the model came from, as shown to users
   * @param onnxOrigin how the ONNX bytes were obtained: {@link #FROM_FILE} beside the zip, or
   *     {@link #EXPORTED} for a directory that predates the export (or whose {@code model.onnx}
   *     belongs to another zip)
   */
  public ModelArtifacts(
      String source,
      String zipSha256,
      byte[] zip,
      String onnxSha256,
      byte[] onnx,
      String onnxOrigin) {
    this.source = source;
    this.zipSha256 = zipSha256;
    this.zip = zip;
    this.onnxSha256 = onnxSha256;
    this.onnx = onnx;
    this.onnxOrigin = onnxOrigin;
  }

  public String source() {
    return source;
  }

  /** The model's identity: the SHA-256 of its {@code model.zip}. */
  public String zipSha256() {
    return zipSha256;
  }

  /** The {@code model.zip} bytes, for the DL4J engine; null for ONNX Runtime. */
  public byte[] zip() {
    return zip;
  }

  public String onnxSha256() {
    return onnxSha256;
  }

  /** The ONNX bytes, for ONNX Runtime; null for the DL4J engine. */
  public byte[] onnx() {
    return onnx;
  }

  public String onnxOrigin() {
    return onnxOrigin;
  }

  /**
   * Reads a training output directory or its {@code model.zip} from any Hadoop filesystem for
   * {@code engine}: for ONNX Runtime the {@code model.onnx} beside it when it records this zip's
   * hash, otherwise the zip exported in memory (logged); a missing, incomplete or corrupt model is
   * an {@link IllegalArgumentException} naming the file.
   */
  public static ModelArtifacts read(String dirOrZip, Configuration conf, Engine engine) {
    return of(dirOrZip, ModelFiles.readBytes(dirOrZip, conf), conf, engine);
  }

  /**
   * {@link #read} with the {@code model.zip} bytes already read ({@link ModelFiles#readBytes}), for
   * a caller that keeps them too: the {@code model.onnx} beside it is still looked for and checked
   * against them.
   */
  public static ModelArtifacts of(String dirOrZip, byte[] zip, Configuration conf, Engine engine) {
    String file = ModelFiles.modelFile(dirOrZip, conf);
    String shown = Storage.display(new Path(file));
    String sha = Hashing.sha256(zip);
    if (engine == Engine.DL4J) return new ModelArtifacts(shown, sha, zip, null, null, null);
    Path onnxFile = new Path(new Path(file).getParent(), ModelFiles.ONNX);
    if (new Path(file).getName().equals(ModelFiles.MODEL)
        && Storage.isFile(onnxFile.toString(), conf)) {
      byte[] onnx = Storage.readAllBytes(onnxFile.toString(), conf);
      String recorded = recordedZipSha256(onnx);
      if (sha.equals(recorded))
        return new ModelArtifacts(shown, sha, null, Hashing.sha256(onnx), onnx, FROM_FILE);
      LOG.warn(
          "{} does not belong to {} (it records model.zip sha256 {}, the zip has {}): exporting the zip in memory",
          Storage.display(onnxFile),
          shown,
          recorded,
          sha);
    } else {
      LOG.info(
          "{} has no {} beside it (written by training since the ONNX export; bin/export-onnx writes one): "
              + "exporting it in memory",
          shown,
          ModelFiles.ONNX);
    }
    return exported(zip, sha, shown);
  }

  /**
   * The artifacts of a {@code model.zip}'s bytes for {@code engine}, exporting ONNX in memory when
   * needed.
   */
  public static ModelArtifacts fromZip(byte[] zip, String source, Engine engine) {
    String sha = Hashing.sha256(zip);
    return engine == Engine.DL4J
        ? new ModelArtifacts(source, sha, zip, null, null, null)
        : exported(zip, sha, source);
  }

  private static ModelArtifacts exported(byte[] zip, String sha, String source) {
    ComputationGraph net = ModelFiles.fromBytes(zip, false, source);
    byte[] onnx = OnnxExport.export(net, sha);
    return new ModelArtifacts(source, sha, null, Hashing.sha256(onnx), onnx, EXPORTED);
  }

  /** The {@code model.zip} SHA-256 an ONNX file written by {@link OnnxExport} records, or null. */
  static String recordedZipSha256(byte[] bytes) {
    try {
      return OnnxExport.sourceSha256(OnnxMl.ModelProto.parseFrom(bytes).getDocString());
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
