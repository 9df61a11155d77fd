package io.digitclassifier.serving;

/**
 * The model's answer for one image, as {@code POST /api/predict} returns it.
 *
 * @param label the most probable digit
 * @param probabilities the softmax output, one per digit 0-9
 */
record Prediction(int label, float[] probabilities) {}
