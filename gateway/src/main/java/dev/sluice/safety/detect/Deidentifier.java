package dev.sluice.safety.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.sluice.safety.SensitiveFinding;

// placeholder: replaced by the detectors branch at merge
/** De-identifies sensitive data found in a text: masks it, or replaces it with its info type. */
public final class Deidentifier {

    private Deidentifier() {}

    /** Returns {@code text} with every finding's characters replaced by {@code maskChar}. */
    public static String mask(String text, List<SensitiveFinding> findings, char maskChar) {
        final char[] chars = text.toCharArray();
        for (SensitiveFinding f : findings) {
            for (int i = f.start(); i < Math.min(f.end(), chars.length); i++) {
                chars[i] = maskChar;
            }
        }
        return new String(chars);
    }

    /** Returns {@code text} with every finding replaced by {@code [INFO_TYPE]}; overlapping findings merge. */
    public static String replaceWithInfoType(String text, List<SensitiveFinding> findings) {
        final List<SensitiveFinding> sorted = new ArrayList<>(findings);
        sorted.sort(Comparator.comparingInt(SensitiveFinding::start));
        final StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (SensitiveFinding f : sorted) {
            if (f.start() < at) {
                continue;
            }
            out.append(text, at, f.start()).append('[').append(f.infoType()).append(']');
            at = Math.min(f.end(), text.length());
        }
        return out.append(text, at, text.length()).toString();
    }
}
