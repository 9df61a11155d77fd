package io.digitclassifier.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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

  private MiniHdfs(MiniDFSCluster cluster) throws IOException {
    this.cluster = cluster;
    this.fs = cluster.getFileSystem();
    this.uri = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  static MiniHdfs start(Path baseDir) throws IOException {
    Configuration conf = new Configuration();
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
    MiniHdfs hdfs = new MiniHdfs(cluster);
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
