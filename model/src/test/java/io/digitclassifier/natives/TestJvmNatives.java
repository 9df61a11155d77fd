package io.digitclassifier.natives;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Picks ND4J's natives in every test JVM before any test class loads ND4J, as the jobs' mains do in
 * theirs. JUnit finds it through {@code META-INF/services}, in this module's tests and in every
 * module that uses the model module's test jar.
 */
public final class TestJvmNatives implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    NativeBuild.select();
  }
}
