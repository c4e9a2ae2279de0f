package dev.sluice.safety.detect;

import java.util.HashSet;
import java.util.Set;

/**
 * A scanned text prepared once for all rules: an ASCII-lower-cased copy of the same length (so offsets still match)
 * and the set of its lower-case words. Rules look their anchor words up here and run their regular expressions only
 * when an anchor is present, which keeps the rules stage within its 0.2 ms budget for a 2 KB prompt.
 */
final class TextView {

    final String text;
    final String lower;
    private final Set<String> words;
    /** The most digits in one run of digits joined by at most single spaces or dashes. */
    final int longestDigitRun;
    /** Runs of at least nine digits (joined by single spaces or dashes): {start, end, digits} each. */
    final java.util.List<int[]> digitRuns = new java.util.ArrayList<>(4);

    TextView(String text) {
        this.text = text;
        int n = text.length();
        char[] low = new char[n];
        Set<String> w = new HashSet<>(Math.max(16, n / 4));
        int wordStart = -1;
        int run = 0;
        int runStart = -1;
        int runEnd = -1;
        int longest = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            char l = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
            low[i] = l;
            boolean wordChar = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || (c > 127 && Character.isLetterOrDigit(c));
            if (wordChar) {
                if (wordStart < 0) {
                    wordStart = i;
                }
            } else if (wordStart >= 0) {
                w.add(new String(low, wordStart, i - wordStart));
                wordStart = -1;
            }
            if (c >= '0' && c <= '9') {
                if (run == 0) {
                    runStart = i;
                }
                run++;
                runEnd = i + 1;
                longest = Math.max(longest, run);
            } else if (!((c == ' ' || c == '-') && i + 1 < n && text.charAt(i + 1) >= '0' && text.charAt(i + 1) <= '9'
                    && run > 0)) {
                if (run >= 9) {
                    digitRuns.add(new int[] {runStart, runEnd, run});
                }
                run = 0;
            }
        }
        if (wordStart >= 0) {
            w.add(new String(low, wordStart, n - wordStart));
        }
        if (run >= 9) {
            digitRuns.add(new int[] {runStart, runEnd, run});
        }
        this.lower = new String(low);
        this.words = w;
        this.longestDigitRun = longest;
    }

    /**
     * Whether any anchor is present: a plain anchor is a whole word, {@code word*} any word starting so, and
     * {@code ~text} a substring of the lower-cased text. Anchors marked {@code +} form a second group of which one
     * must be present too.
     */
    boolean hasAny(String... anchors) {
        boolean any = false;
        boolean needAlso = false;
        boolean also = false;
        for (String a : anchors) {
            if (a.charAt(0) == '+') {
                needAlso = true;
                also = also || has(a.substring(1));
            } else {
                any = any || has(a);
            }
        }
        return any && (!needAlso || also);
    }

    private boolean has(String a) {
        if (a.charAt(0) == '~') {
            return lower.contains(a.substring(1));
        }
        if (a.endsWith("*")) {
            String p = a.substring(0, a.length() - 1);
            for (String w : words) {
                if (w.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
        return words.contains(a);
    }

    boolean contains(String lowerNeedle) {
        return lower.contains(lowerNeedle);
    }
}
