package io.digitclassifier.scoring;

import io.digitclassifier.artifacts.EvaluationSummary;
import io.digitclassifier.io.ImageFolderDigitReader;
import java.util.Map;

/**
 * {@code _summary.json} of a scoring run (the underscore keeps it out of {@code
 * spark.read.parquet(DIR)}). Always {@code read = scored + rejected}; {@code evaluation} only when
 * the input had labels; {@code modelLoads} counts model instances loaded on executors (at most one
 * per concurrent task, never one per row); {@code natives} ND4J's native build on the driver and
 * each executor; {@code skippedFiles} (image folders only) the files of other kinds that were not
 * read, counted and a few named.
 */
public record ScoringSummary(
    String input,
    String inputFormat,
    String output,
    String outputFormat,
    long read,
    long scored,
    long rejected,
    double seconds,
    double imagesPerSecond,
    long modelLoads,
    String model,
    String modelSha256,
    String engine,
    String onnxSha256,
    String onnxOrigin,
    Map<String, Object> modelMetrics,
    Map<String, String> versions,
    io.digitclassifier.spark.NativesPlugin.Natives natives,
    EvaluationSummary evaluation,
    String kaggleSubmission,
    ImageFolderDigitReader.SkippedFiles skippedFiles) {}
