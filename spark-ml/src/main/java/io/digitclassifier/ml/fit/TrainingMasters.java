package io.digitclassifier.ml.fit;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

/**
 * How the fit (the job's, the estimator's and the training benchmark's) configures dl4j-spark's
 * parameter averaging.
 */
public final class TrainingMasters {
  private TrainingMasters() {}

  /**
   * Called on the driver after each averaging round (a split of the epoch's RDD: every worker has
   * fitted up to {@code averagingFrequency} minibatches), with the averaged network, before the
   * next round starts; the Spark accumulators the round's tasks added to are up to date. An
   * exception stops the fit.
   */
  @FunctionalInterface
  public interface AfterAveraging {
    void averaged(ComputationGraph net, int rounds);
  }

  /**
   * Parameter averaging over {@code workers}, for an RDD of pre-built minibatches of {@code
   * batchSize}. Direct (not Export): runs the same on a cluster without shared storage. The RDD is
   * cached by the job per epoch ({@code storageLevel(null)}): the master would otherwise persist
   * every epoch's RDD and never release it. Every minibatch of the RDD is fitted: see {@link
   * EveryMinibatch}.
   */
  public static ParameterAveragingTrainingMaster parameterAveraging(
      FitSettings config, int workers, TrainingHook... hooks) {
    return parameterAveraging(config, workers, null, hooks);
  }

  /**
   * {@link #parameterAveraging(FitSettings, int, TrainingHook...)}, calling {@code after} after
   * every averaging.
   */
  public static ParameterAveragingTrainingMaster parameterAveraging(
      FitSettings config, int workers, AfterAveraging after, TrainingHook... hooks) {
    return new EveryMinibatch(
        after,
        new ParameterAveragingTrainingMaster.Builder(workers, config.batchSize())
            .batchSizePerWorker(config.batchSize())
            .averagingFrequency(config.averagingFrequency())
            .workerPrefetchNumBatches(config.prefetch())
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .storageLevel(null)
            .repartionData(Repartition.Always)
            .saveUpdater(true)
            .rngSeed(config.seed())
            .trainingHooks(hooks));
  }

  /**
   * dl4j-spark 1.0.0-M2's parameter averaging, without its silent loss of data. The master cuts the
   * RDD into {@code total / (workers x averagingFrequency)} splits (rounded down) and spreads the
   * remainder over them, so some workers receive a minibatch or two more than {@code
   * averagingFrequency} in a split; but its workers stop after {@code averagingFrequency}
   * minibatches ({@code WorkerConfiguration.maxBatchesPerWorker}) and drop the rest. With MNIST
   * that was about 15 of 1,875 minibatches an epoch, different ones each epoch. Here the workers
   * get no cap ({@code 0}): a worker fits all it is given, and averaging still happens once per
   * split.
   */
  static final class EveryMinibatch extends ParameterAveragingTrainingMaster {
    /**
     * Driver-side only: the master is never shipped to the workers (they get {@link
     * #getWorkerInstance}'s worker).
     */
    private final transient AfterAveraging after;

    EveryMinibatch(AfterAveraging after, ParameterAveragingTrainingMaster.Builder builder) {
      super(builder);
      this.after = after;
    }

    /**
     * dl4j-spark's averaging of one round's results into the driver's network, then {@link
     * AfterAveraging}.
     */
    @Override
    protected void processResults(
        SparkDl4jMultiLayer network,
        SparkComputationGraph graph,
        JavaRDD<ParameterAveragingTrainingResult> results,
        int splitNum,
        int totalSplits) {
      super.processResults(network, graph, results, splitNum, totalSplits);
      if (after != null && graph != null) after.averaged(graph.getNetwork(), totalSplits);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
      ComputationGraph net = graph.getNetwork();
      Broadcast<NetBroadcastTuple> broadcast =
          graph
              .getSparkContext()
              .broadcast(
                  new NetBroadcastTuple(
                      net.getConfiguration(), net.params(), net.getUpdater().getStateViewArray()));
      WorkerConfiguration workerConf =
          new WorkerConfiguration(
              true,
              rddDataSetNumExamples,
              batchSizePerWorker,
              0,
              prefetchNumBatches,
              collectTrainingStats);
      return new ParameterAveragingTrainingWorker(
          broadcast, saveUpdater, workerConf, trainingHookList, listeners, getRouterProvider());
    }
  }
}
