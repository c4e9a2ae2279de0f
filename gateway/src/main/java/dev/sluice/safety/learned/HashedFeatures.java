package dev.sluice.safety.learned;

import java.util.Arrays;

/**
 * Bag of word unigrams and bigrams (and single punctuation marks such as {@code <}, {@code [}, {@code !}) and of
 * character 3- to 5-grams inside words, hashed with FNV-1a into two blocks of {@link #BLOCK} buckets (words first,
 * character n-grams second), sublinear counts, each block L2-normalised and the two scaled by 1/&radic;2: the lexical
 * half of a head's input. The character n-grams carry spelling variants, inflections and obfuscated words
 * ({@code ign0re}, {@code jailbr3ak}) that whole words miss. It sees the whole text (the embedding sees at most a few
 * windows) and costs microseconds.
 *
 * @param index the non-zero buckets, ascending
 * @param value their values
 */
public record HashedFeatures(int[] index, float[] value) {

    /** Buckets per block. */
    static final int BLOCK = 1 << 14;
    /** Number of hash buckets: the word block and the character n-gram block. */
    public static final int BUCKETS = 2 * BLOCK;
    private static final int MIN_GRAM = 3;
    private static final int MAX_GRAM = 5;

    /** Features of {@code text}, case-folded. */
    public static HashedFeatures of(String text) {
        int n = text.length();
        int[] counts = new int[BUCKETS];
        int[] touched = new int[Math.min(BUCKETS, 6 * n + 2)];
        int nTouched = 0;
        int prev = 0; // hash of the previous word, 0 at the start
        int i = 0;
        char[] word = new char[MAX_GRAM * 8 + 2];
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                int h = 0x811c9dc5;
                int len = 0;
                word[len++] = '^';
                while (i < n && Character.isLetterOrDigit(text.charAt(i))) {
                    char lc = Character.toLowerCase(text.charAt(i));
                    h = (h ^ lc) * 0x01000193;
                    if (len < word.length - 1) {
                        word[len++] = lc;
                    }
                    i++;
                }
                word[len++] = '$';
                nTouched = add(counts, touched, nTouched, h, 0);
                if (prev != 0) {
                    nTouched = add(counts, touched, nTouched, (prev * 31 + h) ^ 0x5bd1e995, 0);
                }
                prev = h;
                // character n-grams of "^word$" (words longer than the buffer contribute their first letters only)
                for (int g = MIN_GRAM; g <= MAX_GRAM; g++) {
                    for (int s = 0; s + g <= len; s++) {
                        int gh = 0x01000193 * g;
                        for (int k = s; k < s + g; k++) {
                            gh = (gh ^ word[k]) * 0x01000193;
                        }
                        nTouched = add(counts, touched, nTouched, gh, BLOCK);
                    }
                }
            } else {
                if (!Character.isWhitespace(c)) {
                    nTouched = add(counts, touched, nTouched, 0x9e3779b9 ^ (c * 0x01000193), 0);
                }
                i++;
            }
        }
        int[] idx = Arrays.copyOf(touched, nTouched);
        Arrays.sort(idx);
        float[] val = new float[nTouched];
        double wordNorm = 0;
        double gramNorm = 0;
        for (int k = 0; k < nTouched; k++) {
            val[k] = (float) Math.log1p(counts[idx[k]]);
            if (idx[k] < BLOCK) {
                wordNorm += (double) val[k] * val[k];
            } else {
                gramNorm += (double) val[k] * val[k];
            }
        }
        float invWord = wordNorm == 0 ? 0 : (float) (1 / Math.sqrt(2 * wordNorm));
        float invGram = gramNorm == 0 ? 0 : (float) (1 / Math.sqrt(2 * gramNorm));
        for (int k = 0; k < nTouched; k++) {
            val[k] *= idx[k] < BLOCK ? invWord : invGram;
        }
        return new HashedFeatures(idx, val);
    }

    private static int add(int[] counts, int[] touched, int nTouched, int hash, int block) {
        int b = block + ((hash ^ (hash >>> 15)) & (BLOCK - 1));
        if (counts[b]++ == 0) {
            if (nTouched == touched.length) {
                return nTouched; // every bucket already touched
            }
            touched[nTouched++] = b;
        }
        return nTouched;
    }
    /** The dot product with a dense weight vector of {@link #BUCKETS} entries. */
    public double dot(float[] weights) {
        double s = 0;
        for (int k = 0; k < index.length; k++) {
            s += weights[index[k]] * value[k];
        }
        return s;
    }
}
