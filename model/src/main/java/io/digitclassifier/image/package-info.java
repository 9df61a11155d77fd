/**
 * Turning real images (scans, photos, canvas drawings, image files of any size and colour) into
 * MNIST-like 28x28 digits: {@link io.digitclassifier.image.ImagePreprocessor} is the one
 * implementation that the scoring job's image reader and the web page's canvas endpoint share, so
 * that a digit is prepared the same way wherever it comes from. Code here is plain Java (ImageIO
 * and arrays): it must not depend on Spark, DL4J or any I/O beyond the bytes it is given, so that
 * it stays fast, deterministic and usable from a single request.
 */
package io.digitclassifier.image;
