package io.digitclassifier.io;

import io.digitclassifier.data.BadInputException;
import io.digitclassifier.data.DigitRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * Reads one input format into digit records. One implementation per format; {@link DataFormat}
 * picks it.
 *
 * <p>Contract: records come in input order with ids from 1 (the row's position, Kaggle's ImageId);
 * problems with the file as a whole (missing, empty, wrong magic number, header without rows, count
 * larger than the data) are a {@link BadInputException} whatever the policy; problems with one
 * record follow the policy.
 */
public interface DigitReader {

  /**
   * Reads {@code input}; nothing is computed until an action runs, except checks of headers and
   * sizes.
   */
  JavaRDD<DigitRecord> read(SparkSession spark, DigitInput input, BadRecordPolicy policy);

  /**
   * Whether the input carries true labels, told from its header, schema or layout without reading
   * its records (a labelled input may still have rows without one, and rejected rows have none).
   */
  boolean hasLabels(SparkSession spark, DigitInput input);
}
