package dev.sluice.safety.learned;

import java.util.Arrays;

/**
 * Bag of word unigrams and bigrams (and single punctuation marks such as {@code <}, {@code [}, {@code !}) hashed into
 * {@link #BUCKETS} buckets with FNV-1a, sublinear counts, L2-normalised: the lexical half of a head's input. It sees
 * the whole text (the embedding sees at most a few windows) and costs microseconds.
 *
 * @param index the non-zero buckets, ascending
 * @param value their values
 */
public record HashedFeatures(int[] index, float[] value) {

    /** Number of hash buckets. */
    public static final int BUCKETS = 1 << 14;

    /** Features of {@code text}, case-folded. */
    public static HashedFeatures of(String text) {
        int n = text.length();
        int[] counts = new int[BUCKETS];
        int[] touched = new int[Math.min(BUCKETS, 2 * n + 2)];
        int nTouched = 0;
        int prev = 0; // hash of the previous word, 0 at the start
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                int h = 0x811c9dc5;
                while (i < n && Character.isLetterOrDigit(text.charAt(i))) {
                    h = (h ^ Character.toLowerCase(text.charAt(i))) * 0x01000193;
                    i++;
                }
                nTouched = add(counts, touched, nTouched, h);
                if (prev != 0) {
                    nTouched = add(counts, touched, nTouched, (prev * 31 + h) ^ 0x5bd1e995);
                }
                prev = h;
            } else {
                if (!Character.isWhitespace(c)) {
                    nTouched = add(counts, touched, nTouched, 0x9e3779b9 ^ (c * 0x01000193));
                }
                i++;
            }
        }
        int[] idx = Arrays.copyOf(touched, nTouched);
        Arrays.sort(idx);
        float[] val = new float[nTouched];
        double norm = 0;
        for (int k = 0; k < nTouched; k++) {
            val[k] = (float) Math.log1p(counts[idx[k]]);
            norm += (double) val[k] * val[k];
        }
        float inv = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int k = 0; k < nTouched; k++) {
            val[k] *= inv;
        }
        return new HashedFeatures(idx, val);
    }

    private static int add(int[] counts, int[] touched, int nTouched, int hash) {
        int b = (hash ^ (hash >>> 15)) & (BUCKETS - 1);
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
