package io.digitclassifier.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS in the test JVM (one NameNode, one DataNode, all on 127.0.0.1) with MNIST in {@code
 * /data/mnist}.
 */
final class MiniHdfs implements AutoCloseable {
  final MiniDFSCluster cluster;
  final FileSystem fs;

  /** {@code hdfs://127.0.0.1:PORT} */
  final String uri;

  /**
   * The HDFS client's first wait for a file to complete, in milliseconds (Hadoop's default 400).
   * Closing a file asks the NameNode to complete it, which it refuses until the DataNode has
   * reported the last block; the DataNode reports it a moment after the client's last packet, so
   * with the default nearly every file closed costs a 400 ms sleep: 0.25-0.3 s a file measured here
   * (40 files of 100 KB: 9.4-11.5 s, against 1.0 s with 20 ms). Spark's YARN client uploads 175
   * jars per application and a job writes tens of files, so the tests' clients wait 20 ms.
   */
  static final String COMPLETE_FILE_FIRST_WAIT =
      "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";

  private final Path clientConf;

  private MiniHdfs(MiniDFSCluster cluster, Path clientConf) throws IOException {
    this.cluster = cluster;
    this.fs = cluster.getFileSystem();
    this.uri = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    this.clientConf = clientConf;
  }

  /** Sets the tests' HDFS client settings on {@code conf}. */
  static <C extends Configuration> C clientSettings(C conf) {
    conf.setInt(COMPLETE_FILE_FIRST_WAIT, 20);
    return conf;
  }

  /**
   * The environment of a command that reads or writes this HDFS: {@code HADOOP_CONF_DIR} with the
   * tests' client settings in its hdfs-site.xml, as an edge node has its cluster's.
   */
  Map<String, String> env() {
    return Map.of("HADOOP_CONF_DIR", clientConf.toString());
  }

  static MiniHdfs start(Path baseDir) throws IOException {
    Configuration conf = clientSettings(new Configuration());
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
    for (String key :
        List.of(
            "dfs.datanode.address",
            "dfs.datanode.http.address",
            "dfs.datanode.ipc.address",
            "dfs.namenode.http-address")) {
      conf.set(key, "127.0.0.1:0");
    }
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
    cluster.waitActive();
    Path clientConf = Files.createDirectories(baseDir.resolveSibling("hdfs-client-conf"));
    try (OutputStream out = Files.newOutputStream(clientConf.resolve("hdfs-site.xml"))) {
      clientSettings(new Configuration(false)).writeXml(out);
    }
    MiniHdfs hdfs = new MiniHdfs(cluster, clientConf);
    Path mnist = Commands.ROOT.resolve("data/mnist");
    for (String f :
        List.of(
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte")) {
      hdfs.fs.copyFromLocalFile(
          new org.apache.hadoop.fs.Path(mnist.resolve(f).toUri()),
          new org.apache.hadoop.fs.Path("/data/mnist/" + f));
    }
    return hdfs;
  }

  /** A file's text. */
  String read(String path) throws IOException {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  boolean exists(String path) throws IOException {
    return fs.exists(new org.apache.hadoop.fs.Path(path));
  }

  @Override
  public void close() {
    cluster.shutdown();
  }
}
