package io.digitclassifier.ml.fit;

import java.io.Serializable;

/**
 * One epoch of a fit. {@code loss} is the mean training minibatch loss (dropout on, augmented
 * data); {@code trainAccuracy} is measured on up to 10,000 un-augmented training images; {@code
 * testAccuracy} on the held-out rows (NaN without them); {@code learningRate} is Adam's rate in the
 * epoch.
 */
public record EpochMetrics(
    int epoch,
    double loss,
    double trainAccuracy,
    double testAccuracy,
    double seconds,
    double imagesPerSecond,
    long images,
    double learningRate)
    implements Serializable {}
