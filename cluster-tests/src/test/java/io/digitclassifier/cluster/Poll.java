package io.digitclassifier.cluster;

import java.time.Duration;
import java.util.List;

/**
 * Waiting for a cluster (YARN, HDFS, S3Proxy, a standalone Spark cluster, the canvas server) to get
 * where a test needs it. A probe looks once and says either what it waited for ({@link #ready}) or
 * what it saw instead ({@link #notYet}): an attempt not registered yet, a container not launched, a
 * log not written, an executor not up. Exceptions of the listed transient kinds (anywhere in the
 * cause chain) count as "not yet" too; any other exception or error ends the wait at once. When the
 * deadline passes, the wait fails with an {@link AssertionError} that says what it waited for and
 * what it saw last (the last exception as its cause), never with the cluster API's exception about
 * a state in between. The same class is in storage-tests (the two modules share no test jar).
 */
final class Poll {
  private Poll() {}

  /**
   * What one look saw: the awaited value ({@code done}), or a description of the state in between
   * and, when a transient exception was that state, the exception.
   */
  record Look<T>(boolean done, T value, String seen, Throwable error) {}

  /** One look at the cluster. */
  @FunctionalInterface
  interface Probe<T> {
    Look<T> look() throws Exception;
  }

  static <T> Look<T> ready(T value) {
    return new Look<>(true, value, null, null);
  }

  /**
   * Not there yet: {@code seen} (a {@link String#format} pattern with {@code args}) says what is
   * there instead.
   */
  static <T> Look<T> notYet(String seen, Object... args) {
    return new Look<>(false, null, args.length == 0 ? seen : String.format(seen, args), null);
  }

  /** {@link #until(String, Duration, Duration, List, Probe)} with no transient exceptions. */
  static <T> T until(String what, Duration deadline, Duration interval, Probe<T> probe)
      throws Exception {
    return until(what, deadline, interval, List.of(), probe);
  }

  /**
   * Looks every {@code interval} until the probe is {@link #ready}, and returns its value; fails
   * with an AssertionError once {@code deadline} has passed (a last look is taken at the deadline).
   */
  static <T> T until(
      String what,
      Duration deadline,
      Duration interval,
      List<Class<? extends Throwable>> transients,
      Probe<T> probe)
      throws Exception {
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    int looks = 0;
    while (true) {
      looks++;
      Look<T> look = once(transients, probe);
      if (look.done()) return look.value();
      long left = end - System.nanoTime();
      if (left <= 0) {
        AssertionError e =
            new AssertionError(
                String.format(
                    "Gave up waiting for %s after %.1f s (%d looks, every %d ms); "
                        + "last saw: %s",
                    what,
                    (System.nanoTime() - start) / 1e9,
                    looks,
                    interval.toMillis(),
                    look.seen()));
        if (look.error() != null) e.initCause(look.error());
        throw e;
      }
      Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left / 1_000_000)));
    }
  }

  /**
   * One look, with the transient exceptions as "not yet" (their message as what was seen): also for
   * a message or a check after a run that should not fail on such a state either.
   */
  static <T> Look<T> once(List<Class<? extends Throwable>> transients, Probe<T> probe)
      throws Exception {
    Look<T> look;
    try {
      look = probe.look();
    } catch (Exception e) {
      if (!isTransient(e, transients)) throw e;
      return new Look<>(false, null, describe(e), e);
    }
    if (look == null) throw new IllegalStateException("a probe returned no look");
    return look;
  }

  private static boolean isTransient(Throwable e, List<Class<? extends Throwable>> transients) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 20; t = t.getCause(), depth++) {
      for (Class<? extends Throwable> c : transients) {
        if (c.isInstance(t)) return true;
      }
    }
    return false;
  }

  private static String describe(Throwable e) {
    StringBuilder out =
        new StringBuilder(e.getClass().getName()).append(": ").append(firstLine(e.getMessage()));
    if (e.getCause() != null && e.getCause() != e) {
      out.append(" (caused by ")
          .append(e.getCause().getClass().getName())
          .append(": ")
          .append(firstLine(e.getCause().getMessage()))
          .append(')');
    }
    return out.toString();
  }

  private static String firstLine(String message) {
    if (message == null) return "(no message)";
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl) + " ...";
  }

  /** A log's last non-blank line (at most 300 characters), for what a probe saw in it. */
  static String lastLine(String log) {
    String last =
        log.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("(empty)").strip();
    return last.length() <= 300 ? last : last.substring(0, 300) + " ...";
  }
}
