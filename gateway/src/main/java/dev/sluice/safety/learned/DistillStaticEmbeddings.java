package dev.sluice.safety.learned;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;

/**
 * Distils MiniLM into {@link StaticEmbedder}'s table, the way Model2Vec does: every word piece of the vocabulary is run
 * through the model on its own, and its vector is scaled by a smooth-inverse-frequency weight {@code a / (a + p)}
 * ({@code p} the word piece's frequency in the train split of the safety data, {@code a} = {@value #SIF_A}) so that
 * "the" and "," barely move a text's mean while rare, telling word pieces dominate it. Deterministic (fixed batches, one
 * ONNX thread per batch, a fixed rounding), so a rerun writes the same bytes. The vectors are centred (the mean over
 * the vocabulary subtracted) and stored as int8 with one scale per word piece. Usage:
 * {@code DistillStaticEmbeddings --data DIR [--extra DIR]... [--out FILE] [--threads N]}.
 */
public final class DistillStaticEmbeddings {

    static final double SIF_A = 1e-3;
    private static final int BATCH = 64;
    static final Path DEFAULT_OUT = Path.of("gateway/src/main/resources/dev/sluice/safety/learned/minilm-static.bin.gz");

    private DistillStaticEmbeddings() {}

    /** Command-line entry point. */
    public static void main(String[] args) throws Exception {
        Path data = null;
        List<Path> extra = new ArrayList<>();
        Path out = DEFAULT_OUT;
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[i + 1]);
                case "--extra" -> extra.add(Path.of(args[i + 1]));
                case "--out" -> out = Path.of(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: DistillStaticEmbeddings --data DIR [--extra DIR]... [--out FILE] [--threads N]");
        }
        long t0 = System.nanoTime();
        byte[] table = distill(rows(data, extra), threads);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, table);
        System.out.printf("wrote %s (%d bytes) in %.1f s%n", out, table.length, (System.nanoTime() - t0) / 1e9);
    }

    /** The rows of the data folder and of the extra folders (whose train split the word-piece frequencies come from). */
    static List<LabelledText> rows(Path data, List<Path> extra) {
        List<LabelledText> rows = new ArrayList<>(TrainingData.readDirectory(data));
        for (Path e : extra) {
            rows.addAll(TrainingData.readDirectory(e));
        }
        return rows;
    }

    /** The gzipped table for the vocabulary, weighted by word-piece frequencies in {@code rows}' train split. */
    static byte[] distill(List<LabelledText> rows, int threads) throws Exception {
        double[] weight = sifWeights(rows);
        int vocab = MiniLmEmbedder.VOCABULARY;
        float[][] vectors = new float[vocab][];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (MiniLmEmbedder model = MiniLmEmbedder.load(16, 1)) { // the window size is unused: three ids per input
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < vocab; from += BATCH) {
                int start = from;
                int count = Math.min(BATCH, vocab - from);
                batches.add(pool.submit(() -> {
                    float[][] v = model.wordPieceVectors(start, count);
                    System.arraycopy(v, 0, vectors, start, count);
                }));
            }
            for (Future<?> f : batches) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        // Every MiniLM output shares one large direction; a text's mean would be mostly that direction, and the L2
        // normalisation after the mean would squeeze what tells texts apart. Centring the table removes it.
        double[] mean = new double[MiniLmEmbedder.DIMENSIONS];
        for (float[] v : vectors) {
            for (int d = 0; d < mean.length; d++) {
                mean[d] += v[d];
            }
        }
        for (float[] v : vectors) {
            for (int d = 0; d < mean.length; d++) {
                v[d] -= (float) (mean[d] / vocab);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(vocab * (MiniLmEmbedder.DIMENSIONS + 4) / 2);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(StaticEmbedder.MAGIC);
            out.writeInt(StaticEmbedder.VERSION);
            out.writeInt(vocab);
            out.writeInt(MiniLmEmbedder.DIMENSIONS);
            byte[][] quantized = new byte[vocab][];
            for (int t = 0; t < vocab; t++) {
                float max = 0;
                for (float x : vectors[t]) {
                    max = Math.max(max, Math.abs(x));
                }
                // One scale per word piece, int8 values: a quarter of the floats' size; each value is off by at most
                // half a step, 1/254 of the row's largest value, and the heads are trained on the rounded table.
                float scale = (float) (weight[t] * max / 127.0);
                out.writeFloat(scale);
                quantized[t] = new byte[vectors[t].length];
                for (int d = 0; d < vectors[t].length; d++) {
                    quantized[t][d] = max == 0 ? 0 : (byte) Math.round(vectors[t][d] / max * 127.0);
                }
            }
            for (byte[] q : quantized) {
                out.write(q);
            }
        }
        return bytes.toByteArray();
    }

    /** {@code a / (a + p(t))} per word piece, {@code p} counted over the train split (1 for unseen word pieces). */
    static double[] sifWeights(List<LabelledText> rows) {
        long[] counts = new long[MiniLmEmbedder.VOCABULARY];
        long total = 0;
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load();
        for (LabelledText r : rows) {
            if (r.split() != LabelledText.Split.TRAIN) {
                continue;
            }
            for (long id : tokenizer.ids(r.text())) {
                if (id >= 0 && id < counts.length) {
                    counts[(int) id]++;
                    total++;
                }
            }
        }
        double[] w = new double[counts.length];
        for (int t = 0; t < counts.length; t++) {
            double p = total == 0 ? 0 : (double) counts[t] / total;
            w[t] = SIF_A / (SIF_A + p);
        }
        return w;
    }
}
