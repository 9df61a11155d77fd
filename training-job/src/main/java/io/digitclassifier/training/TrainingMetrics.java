package io.digitclassifier.training;

import io.digitclassifier.artifacts.EvaluationSummary;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.json}: what was trained, on what, how each epoch went and the final evaluation.
 *
 * @param cluster where it ran: Spark master, application id, executors and cores
 * @param trainImagesPerLabel training images of each digit 0-9 (after the split and {@code
 *     --limit})
 * @param testImagesPerLabel held-out images of each digit 0-9
 * @param natives ND4J's native build on the driver and on each executor, and why it was chosen
 * @param inputs SHA-256 of every input, by path: a file's own, a directory's the SHA-256 of its
 *     manifest (every file under it at any depth, as Spark reads them: relative path, size and
 *     SHA-256, sorted; {@code Hashing.manifest})
 * @param inputFiles the number of files in each input, by path (1 for a file)
 * @param epochs one entry per finished epoch
 * @param finalEvaluation on the held-out set after the last epoch (null while training is in
 *     progress)
 */
public record TrainingMetrics(
    TrainingConfig configuration,
    Map<String, String> versions,
    io.digitclassifier.spark.SparkSessions.WhereItRan cluster,
    io.digitclassifier.spark.NativesPlugin.Natives natives,
    Map<String, String> inputs,
    Map<String, Long> inputFiles,
    long trainImages,
    long testImages,
    long[] trainImagesPerLabel,
    long[] testImagesPerLabel,
    long augmentedImagesPerEpoch,
    int workers,
    List<io.digitclassifier.ml.fit.EpochMetrics> epochs,
    EvaluationSummary finalEvaluation,
    double wallSeconds) {}
