/**
 * The project as Spark ML stages: {@link io.digitclassifier.ml.DigitClassifierModel} (transform
 * batch and streaming DataFrames, save and load alone or in a {@code PipelineModel}, SQL functions)
 * over the one prediction path in {@code model/} ({@code Predictor}); nothing here runs a forward
 * pass of its own or reads files other than the model's.
 */
package io.digitclassifier.ml;
