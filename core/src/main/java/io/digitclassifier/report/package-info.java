/**
 * What a person looks at after a run: the training report ({@code report.html} beside the model,
 * its PNG plots and the sample CSVs the notebooks read) and the scoring report ({@code
 * _report.html} and {@code _*.png} in a scoring output). Plots are drawn with XChart and image
 * grids with java.awt, headless, into PNGs that the HTML embeds as data URLs, so a report opens
 * offline and can be mailed as one file. Code here takes plain data (arrays, records, {@link
 * io.digitclassifier.artifacts.EvaluationSummary}) and writes files: it must not start Spark jobs
 * or load networks (the jobs gather the data and call in), and a failure here must never cost a job
 * its model or its output, so the jobs call it last and only log what goes wrong.
 */
package io.digitclassifier.report;
