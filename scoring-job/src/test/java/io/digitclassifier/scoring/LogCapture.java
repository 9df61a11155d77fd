package io.digitclassifier.scoring;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every WARN or ERROR line logged (by any logger: Spark's, Hadoop's, the project's) while it is
 * open, through a log4j2 appender on the root logger: what a user of {@code bin/score} would see on
 * the console.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();
  private final LoggerContext context;

  private LogCapture() {
    super("test-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    context = (LoggerContext) LogManager.getContext(false);
  }

  static LogCapture warnings() {
    LogCapture c = new LogCapture();
    c.start();
    c.context.getConfiguration().getRootLogger().addAppender(c, Level.WARN, null);
    c.context.updateLoggers();
    return c;
  }

  @Override
  public void append(LogEvent event) {
    if (!event.getLevel().isMoreSpecificThan(Level.WARN)) return;
    synchronized (lines) {
      lines.add(
          event.getLevel()
              + " "
              + event.getLoggerName()
              + ": "
              + event.getMessage().getFormattedMessage());
    }
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  @Override
  public void close() {
    context.getConfiguration().getRootLogger().removeAppender(getName());
    context.updateLoggers();
    stop();
  }
}
