package dev.sluice.safety.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.sluice.safety.SensitiveFinding;

/**
 * De-identifies a text from its sensitive-data findings the way Sensitive Data Protection's transforms do: character
 * masking, or replacing each finding with its info type in brackets. Overlapping findings are merged into one span
 * (replaced with the info type of the longest finding in it). Offsets are UTF-16 indices; masking writes one mask
 * character per code point, so a masked emoji or CJK character stays one character.
 */
public final class Deidentifier {

    private Deidentifier() {}

    private record Span(int start, int end, String infoType) {}

    private static List<Span> merge(String text, List<SensitiveFinding> findings) {
        List<SensitiveFinding> sorted = new ArrayList<>(findings);
        sorted.sort(Comparator.comparingInt(SensitiveFinding::start).thenComparingInt(f -> -f.end()));
        List<Span> out = new ArrayList<>();
        int curStart = -1;
        int curEnd = -1;
        String curType = null;
        int curLongest = -1;
        for (SensitiveFinding f : sorted) {
            if (f.end() > text.length()) {
                throw new IllegalArgumentException("finding " + f.infoType() + " [" + f.start() + ", " + f.end()
                        + ") lies outside the text of length " + text.length());
            }
            if (curType != null && f.start() < curEnd) {
                curEnd = Math.max(curEnd, f.end());
                if (f.end() - f.start() > curLongest) {
                    curLongest = f.end() - f.start();
                    curType = f.infoType();
                }
                continue;
            }
            if (curType != null) {
                out.add(new Span(curStart, curEnd, curType));
            }
            curStart = f.start();
            curEnd = f.end();
            curType = f.infoType();
            curLongest = f.end() - f.start();
        }
        if (curType != null) {
            out.add(new Span(curStart, curEnd, curType));
        }
        return out;
    }

    /** Replaces every character of every finding with {@code maskChar} (one per code point). */
    public static String mask(String text, List<SensitiveFinding> findings, char maskChar) {
        List<Span> spans = merge(text, findings);
        StringBuilder sb = new StringBuilder(text.length());
        int pos = 0;
        for (Span s : spans) {
            sb.append(text, pos, s.start());
            int cps = text.codePointCount(s.start(), s.end());
            for (int i = 0; i < cps; i++) {
                sb.append(maskChar);
            }
            pos = s.end();
        }
        sb.append(text, pos, text.length());
        return sb.toString();
    }

    /** Replaces every finding with its info type in brackets, for example {@code [CREDIT_CARD_NUMBER]}. */
    public static String replaceWithInfoType(String text, List<SensitiveFinding> findings) {
        List<Span> spans = merge(text, findings);
        StringBuilder sb = new StringBuilder(text.length());
        int pos = 0;
        for (Span s : spans) {
            sb.append(text, pos, s.start()).append('[').append(s.infoType()).append(']');
            pos = s.end();
        }
        sb.append(text, pos, text.length());
        return sb.toString();
    }
}
