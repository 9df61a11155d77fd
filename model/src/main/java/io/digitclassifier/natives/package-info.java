/**
 * Which of ND4J's native builds a JVM loads. {@link io.digitclassifier.natives.NativeBuild} picks
 * one from the host's CPU flags and the builds the jar carries, and must run before anything loads
 * ND4J or JavaCPP: it may use neither, nor Spark. {@link io.digitclassifier.natives.LoadedNatives}
 * says afterwards what was loaded and whether it has oneDNN, for logs, {@code metrics.json}, {@code
 * _summary.json} and the canvas server's health check.
 */
package io.digitclassifier.natives;
