/**
 * The canvas page and its prediction API: {@link io.digitclassifier.serving.DigitServer} loads a
 * trained model once, warms it up and answers {@code POST /api/predict} (a PNG, raw or as a data
 * URL in JSON) with the label and the ten probabilities, through the JDK's {@code
 * com.sun.net.httpserver} API served by Jetty, with limits for hostile clients ({@link
 * io.digitclassifier.serving.Connections}). An image goes through the model module's {@link
 * io.digitclassifier.image.ImagePreprocessor}, the same code the scoring job uses, and the network
 * through a {@link io.digitclassifier.predict.PredictorPool}, because a DL4J network must not be
 * called from two threads at once. Spark is not on the server's classpath ({@code
 * ServerClasspathTest}); Hadoop's client is, so that {@link io.digitclassifier.storage.Storage} can
 * load a model from HDFS or S3.
 *
 * <p>The same model also runs without a server: {@link io.digitclassifier.serving.WebExport} is the
 * static folder (resources under {@code web/}: the page and {@code digits.js}, a copy of the
 * preprocessing in JavaScript; under {@code web/ort/} onnxruntime-web, unpacked from npm by the
 * build) that {@code bin/export-web} ({@link io.digitclassifier.serving.ExportWebCommand}) writes
 * and {@code /web/} serves. Nothing here predicts in JavaScript on the server's behalf: the
 * folder's answers are checked against the Java side by the browser tests.
 */
package io.digitclassifier.serving;
