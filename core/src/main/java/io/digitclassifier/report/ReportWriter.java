package io.digitclassifier.report;

import io.digitclassifier.storage.LocalFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton both reports (training's and scoring's) are written with: one {@link HtmlPage} with
 * its facts, every figure both embedded in the page and saved as a PNG file beside it, files
 * written atomically, and the list of what was written. {@link #bestEffort} is the rule both jobs
 * follow: a report is a nicety, and failing to write one never costs the model or the output.
 */
public final class ReportWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

  private final HtmlPage page;
  private final List<Path> written = new ArrayList<>();

  /** A report page titled {@code title}, {@code subtitle} under it, then the {@code facts}. */
  public ReportWriter(String title, String subtitle, Map<String, String> facts) {
    this.page = new HtmlPage(title, subtitle);
    page.facts(facts);
  }

  /** The page, to add headings, text, tables and figures to. */
  public HtmlPage page() {
    return page;
  }

  /** Writes {@code bytes} to the local {@code file} atomically and counts it; returns them. */
  public byte[] save(Path file, byte[] bytes) {
    LocalFiles.writeAtomically(file, bytes);
    written.add(file);
    return bytes;
  }

  /**
   * The confusion matrix, saved as {@code file} and shown as the first figure of a new row (more
   * may follow in it): rows are {@code rowsAre}, columns the network's answers.
   */
  public HtmlPage confusionMatrix(Path file, String title, long[][] matrix, String rowsAre) {
    byte[] png = save(file, Plots.png(Plots.confusionMatrix(title, matrix)));
    return page.figureRow()
        .figure(
            png,
            "confusion matrix",
            "Rows: "
                + rowsAre
                + "; columns: the network's answer. Counts in the cells; the colour is on a log "
                + "scale so that the few mistakes show.");
  }

  /** Writes the page as {@code html}, last, and returns every file written, the page last. */
  public List<Path> finish(Path html, String what) {
    page.write(html);
    written.add(html);
    LOG.info(
        "Wrote the {} report: {}, with {} files beside it (plots, samples)",
        what,
        html.getFileName(),
        written.size() - 1);
    return List.copyOf(written);
  }

  /** Work that may fail in any way, a headless JVM's drawing included. */
  @FunctionalInterface
  public interface ReportWork {
    void run() throws Exception;
  }

  /**
   * Runs {@code work} (gathering and writing the {@code what} report into {@code dir}); on any
   * failure logs one warning saying that {@code kept} is written all the same, and returns.
   */
  public static void bestEffort(String what, Path dir, String kept, ReportWork work) {
    try {
      work.run();
    } catch (Exception | LinkageError | java.awt.AWTError e) {
      // AWTError and LinkageError: a JVM without fonts or AWT natives cannot draw, and that must
      // not cost the job its result
      LOG.warn(
          "Cannot write the {} report in {}: {}; {} written all the same",
          what,
          dir,
          e.getMessage() != null ? e.getMessage() : e.toString(),
          kept);
      LOG.debug("The " + what + " report failed", e);
    }
  }
}
