package dev.sluice.proxy;

/**
 * One extension call of an exchange.
 *
 * @param extension the extension's name
 * @param event the event, as named in configuration
 * @param outcome ok, immediate, failed_open, failed or timeout
 * @param startNanos when the call started, on the {@link System#nanoTime()} scale
 * @param durationNanos how long it took
 */
public record ExtensionCallRecord(String extension, String event, String outcome, long startNanos,
                                  long durationNanos) {}
