package dev.sluice.safety;

import static java.util.Objects.requireNonNull;

/**
 * One piece of sensitive data found in a text.
 *
 * @param infoType the Sensitive Data Protection info type, one of {@link InfoTypes}
 * @param start the offset of the first character (UTF-16 index into the scanned text)
 * @param end the offset just past the last character
 * @param likelihood how sure the detector is (validated values such as a Luhn-correct card are {@code HIGH})
 */
public record SensitiveFinding(String infoType, int start, int end, Confidence likelihood) {
    public SensitiveFinding {
        requireNonNull(infoType, "infoType");
        requireNonNull(likelihood, "likelihood");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ')');
        }
    }
}
