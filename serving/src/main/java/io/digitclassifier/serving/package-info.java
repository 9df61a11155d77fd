/**
 * The canvas page and its prediction API: {@link io.digitclassifier.serving.DigitServer} loads a trained model
 * once, warms it up and answers {@code POST /api/predict} (a PNG, raw or as a data URL in JSON) with the label and
 * the ten probabilities, on the JDK's own {@code com.sun.net.httpserver} and nothing else. An image goes through
 * core's {@link io.digitclassifier.image.ImagePreprocessor}, the same code the scoring job uses, and the network
 * through a small pool, because a DL4J network must not be called from two threads at once. Nothing here may
 * depend on Spark: it is not on the server's classpath. Hadoop's client is, only so that core's {@code Storage} can
 * load a model from HDFS or S3.
 */
package io.digitclassifier.serving;
