package io.digitclassifier.training;

import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/** How the job configures dl4j-spark's parameter averaging. */
final class TrainingMasters {
  private TrainingMasters() {}

  /**
   * Parameter averaging over {@code workers}, for an RDD of pre-built minibatches of {@code batchSize}.
   * Direct (not Export): runs the same on a cluster without shared storage. The RDD is cached by the job per
   * epoch ({@code storageLevel(null)}): the master would otherwise persist every epoch's RDD and never release it.
   */
  static ParameterAveragingTrainingMaster parameterAveraging(TrainingConfig config, int workers, TrainingHook... hooks) {
    return new ParameterAveragingTrainingMaster.Builder(workers, config.batchSize())
        .batchSizePerWorker(config.batchSize())
        .averagingFrequency(config.averagingFrequency())
        .workerPrefetchNumBatches(config.prefetch())
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .storageLevel(null)
        .repartionData(Repartition.Always)
        .saveUpdater(true)
        .rngSeed(config.seed())
        .trainingHooks(hooks)
        .build();
  }
}
