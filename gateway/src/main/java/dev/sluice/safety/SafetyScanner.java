package dev.sluice.safety;

import java.util.Set;

/**
 * Runs the safety detectors over a text. Implementations are thread-safe. A scan that uses a learned model takes
 * milliseconds of CPU, so callers on an event loop hand it to a blocking executor.
 */
public interface SafetyScanner {

    /**
     * Returns what the detectors of the given families found in {@code text}.
     *
     * @param text the text to screen (a prompt, a chat message, or a response or a window of one)
     * @param direction whether the text is a prompt or a response (detectors may weigh them differently)
     * @param filters the filter families to run; others are reported as not found
     */
    Detection scan(String text, Direction direction, Set<FilterKind> filters);
}
