package dev.sluice.safety.learned;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Static sentence embeddings distilled from MiniLM: one committed vector per word piece of MiniLM's vocabulary (the
 * model's output for that word piece alone, weighted down when the word piece is common; see
 * {@link DistillStaticEmbeddings}), and a text's embedding is the mean of its word pieces' vectors, per window.
 * Microseconds instead of MiniLM's milliseconds per window, at some cost in accuracy (word order is lost); the heads
 * trained on these vectors are what the gateway runs. Thread-safe.
 */
public final class StaticEmbedder implements WindowEmbedder {

    /** Where the distilled table lives on the classpath. */
    public static final String RESOURCE = "/dev/sluice/safety/learned/minilm-static.bin.gz";
    static final int MAGIC = 0x534c5354; // "SLST"
    static final int VERSION = 1;

    private final WordPieceTokenizer tokenizer;
    private final int dimensions;
    /** Row-major: token id times dimensions; int8 with one scale per token. */
    private final byte[] values;
    private final float[] scales;
    private final int windowTokens;

    private StaticEmbedder(WordPieceTokenizer tokenizer, int dimensions, byte[] values, float[] scales,
                           int windowTokens) {
        this.tokenizer = tokenizer;
        this.dimensions = dimensions;
        this.values = values;
        this.scales = scales;
        this.windowTokens = windowTokens;
    }

    /**
     * Loads the committed table.
     *
     * @param windowTokens word pieces per window: a long text scores the mean of each window on its own, so one unsafe
     *     paragraph is not averaged away by pages of ordinary text
     */
    public static StaticEmbedder load(int windowTokens) {
        try (InputStream raw = StaticEmbedder.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("the static embedding table " + RESOURCE
                        + " is not on the classpath; run scripts/train-safety --distill");
            }
            return read(raw, windowTokens);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Reads a table in the format {@link DistillStaticEmbeddings} writes (gzip of header, scales, int8 values). */
    static StaticEmbedder read(InputStream gzipped, int windowTokens) throws IOException {
        if (windowTokens < 8) {
            throw new IllegalArgumentException("windowTokens must be at least 8, got " + windowTokens);
        }
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(gzipped), 1 << 16));
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
            throw new IOException("not a static embedding table (wrong magic or version)");
        }
        int vocab = in.readInt();
        int dims = in.readInt();
        if (vocab <= 0 || dims <= 0 || (long) vocab * dims > 64L << 20) {
            throw new IOException("implausible static embedding table size " + vocab + " x " + dims);
        }
        float[] scales = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            scales[i] = in.readFloat();
        }
        byte[] values = new byte[vocab * dims];
        in.readFully(values);
        return new StaticEmbedder(WordPieceTokenizer.load(), dims, values, scales, windowTokens);
    }

    /** The width of the vectors. */
    public int dimensions() {
        return dimensions;
    }

    /**
     * The text's window embeddings (L2-normalised means of the word pieces' vectors): every window when there are at
     * most {@code maxWindows}, else the first {@code maxWindows - 1} and the last. An empty text gives one zero vector.
     */
    @Override
    public List<float[]> embedWindows(String text, int maxWindows) {
        long[] ids = tokenizer.ids(text);
        int windows = Math.max(1, (ids.length + windowTokens - 1) / windowTokens);
        List<float[]> out = new ArrayList<>(Math.min(windows, maxWindows));
        for (int w = 0; w < windows; w++) {
            int start = w * windowTokens;
            if (windows > maxWindows && w >= maxWindows - 1) {
                start = Math.max(0, ids.length - windowTokens);
                out.add(mean(ids, start, ids.length));
                break;
            }
            out.add(mean(ids, start, Math.min(ids.length, start + windowTokens)));
        }
        return out;
    }

    private float[] mean(long[] ids, int from, int to) {
        float[] v = new float[dimensions];
        for (int t = from; t < to; t++) {
            int id = (int) ids[t];
            if (id < 0 || id >= scales.length) {
                continue;
            }
            float s = scales[id];
            int base = id * dimensions;
            for (int d = 0; d < dimensions; d++) {
                v[d] += s * values[base + d];
            }
        }
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm > 0) {
            float inv = (float) (1.0 / Math.sqrt(norm));
            for (int d = 0; d < dimensions; d++) {
                v[d] *= inv;
            }
        }
        return v;
    }

    @Override
    public void close() {
        // nothing to release: the table and the vocabulary are plain Java arrays and maps
    }
}
