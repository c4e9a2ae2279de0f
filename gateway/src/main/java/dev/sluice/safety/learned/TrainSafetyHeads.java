package dev.sluice.safety.learned;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * Trains the learned stage's heads from the safety training data and writes {@code heads.json}; deterministic (fixed
 * split by hash, fixed iteration count, no random initialisation, sequential sums), so two runs give byte-identical
 * files. Usage:
 *
 * <pre>
 * TrainSafetyHeads --data DIR [--extra FILE_OR_DIR]... [--reviews FILE] [--out FILE] [--cache FILE] [--subset PERCENT]
 *                  [--threads N] [--embedding static|minilm|none] [--tune]
 * </pre>
 *
 * <p>{@code --reviews} replaces the labels of the rows a {@link LabelReviews} file names (the project's second reading
 * of the OLID tweets) in every split.
 *
 * <p>{@code --tune} runs the grid search that chose each head's L2 strength and positive-class weight (recorded in
 * {@link HeadSpec}) on the calibration split and prints it; it writes nothing.
 *
 * <p>{@code --embedding} chooses what the heads read beside the hashed words: {@code static} (the default and what the
 * gateway ships: MiniLM's distilled table, {@link StaticEmbedder}, a fraction of a millisecond per text), {@code minilm}
 * (MiniLM run on every window, tens of milliseconds; for comparison) or {@code none} (hashed words alone).
 *
 * <p>{@code --subset} trains on a deterministic sample of the rows (by a second hash) so that a test can re-run the
 * whole pipeline, embeddings included, in well under a minute.
 */
public final class TrainSafetyHeads {

    /** What the heads read beside the hashed words, with its window size and the most windows per text. */
    public enum Embedding {
        /** MiniLM's distilled static table: every window of a text costs microseconds, so long texts get many. */
        STATIC(SafetyHeads.STATIC, 128, 16),
        /** MiniLM itself: the 2 KB latency budget allows a few short windows (the first ones and the last). */
        MINILM(SafetyHeads.MINILM, 128, 3),
        /** No embedding: the hashed words alone. */
        NONE(SafetyHeads.NONE, 128, 0);

        final String model;
        final int maxTokens;
        final int maxWindows;

        Embedding(String model, int maxTokens, int maxWindows) {
            this.model = model;
            this.maxTokens = maxTokens;
            this.maxWindows = maxWindows;
        }
    }

    static final int ITERATIONS = 400;
    static final double LEARNING_RATE = 0.05;
    /** Iterations per grid point of {@code --tune}: enough to rank the settings, a quarter of a full fit. */
    static final int TUNE_ITERATIONS = 100;
    static final double[] TUNE_L2 = {1e-6, 1e-5, 1e-4, 1e-3};
    static final double[] TUNE_POSITIVE_WEIGHT = {0.5, 1.0, 2.0};

    static final Path DEFAULT_OUT = Path.of("gateway/src/main/resources/dev/sluice/safety/learned/heads.json");

    private TrainSafetyHeads() {}

    /** Command-line entry point. */
    public static void main(String[] args) throws Exception {
        Path data = null;
        List<Path> extra = new ArrayList<>();
        Path reviews = null;
        Path out = DEFAULT_OUT;
        Path cache = Path.of("gateway/target/safety-embeddings/cache.bin");
        int subset = 100;
        Embedding embedding = Embedding.STATIC;
        boolean tune = false;
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--tune")) {
                tune = true;
                continue;
            }
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null && !a.equals("--help")) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            switch (a) {
                case "--data" -> data = Path.of(v);
                case "--extra" -> extra.add(Path.of(v));
                case "--reviews" -> reviews = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--cache" -> cache = Path.of(v);
                case "--subset" -> subset = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--embedding" -> embedding = Embedding.valueOf(v.toUpperCase(Locale.ROOT));
                case "--help" -> {
                    System.out.println("TrainSafetyHeads --data DIR [--extra FILE_OR_DIR]... [--reviews FILE] [--out FILE]"
                            + " [--cache FILE] [--subset PERCENT] [--threads N] [--embedding static|minilm|none] [--tune]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
            i++;
        }
        if (data == null) {
            throw new IllegalArgumentException("--data DIR is required (the safety training data directory)");
        }
        if (subset < 1 || subset > 100) {
            throw new IllegalArgumentException("--subset must be a percentage in [1, 100], got " + subset);
        }
        if (tune) {
            System.out.print(tune(data, extra, reviews, cache, subset, threads, embedding));
            return;
        }
        Result r = train(data, extra, reviews, cache, subset, threads, embedding);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, r.heads().toJson(), StandardCharsets.UTF_8);
        System.out.print(r.report());
        System.out.println("wrote " + out);
    }

    /** The trained heads and the held-out report. */
    public record Result(SafetyHeads heads, String report) {}

    /**
     * Trains every head on {@code embedding} beside the hashed words, with the labels of {@code reviews} (a
     * {@link LabelReviews} file, or {@code null}) in place of the data's; {@code subsetPercent} below 100 keeps a
     * deterministic sample of the rows.
     */
    public static Result train(Path dataDir, List<Path> extra, @Nullable Path reviews, Path cacheFile,
                               int subsetPercent, int threads, Embedding embedding) throws Exception {
        Prepared p = prepare(dataDir, extra, reviews, cacheFile, subsetPercent, threads, embedding);
        List<LabelledText> rows = p.rows();
        Map<LabelledText, RowFeatures> emb = p.features();
        Map<String, LinearHead> heads = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "rows: %d (subset %d%%)%n", rows.size(), subsetPercent));
        for (HeadSpec spec : HeadSpec.ALL) {
            LinearHead head = trainHead(spec, rows, emb, embedding);
            heads.put(spec.name(), head);
            report.append(Evaluation.report(spec, head, rows, emb));
        }
        return new Result(new SafetyHeads(embedding.model, embedding.maxTokens, embedding.maxWindows, heads, p.header()),
                report.toString());
    }

    /** The rows, their features (embeddings from the cache) and the heads.json header. */
    private record Prepared(List<LabelledText> rows, Map<LabelledText, RowFeatures> features, String header) {}

    private static Prepared prepare(Path dataDir, List<Path> extra, @Nullable Path reviews, Path cacheFile,
                                    int subsetPercent, int threads, Embedding embedding) throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dataDir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
        }
        for (Path e : extra) {
            if (Files.isDirectory(e)) {
                try (Stream<Path> s = Files.list(e)) {
                    s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
                }
            } else {
                files.add(e);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.jsonl files in " + dataDir);
        }
        List<LabelledText> rows = new ArrayList<>();
        StringBuilder header = new StringBuilder("{\"files\":{");
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            header.append(i == 0 ? "" : ",").append('"').append(f.getFileName()).append("\":\"")
                    .append(TrainingData.fileSha256(f)).append('"');
            for (LabelledText r : TrainingData.readFile(f)) {
                if (subsetPercent >= 100 || subsetBucket(r.text()) < subsetPercent) {
                    rows.add(r);
                }
            }
        }
        header.append('}');
        if (reviews != null) {
            LabelReviews r = LabelReviews.read(reviews);
            rows = new ArrayList<>(r.apply(rows));
            header.append(",\"reviews\":{\"").append(reviews.getFileName()).append("\":\"")
                    .append(TrainingData.fileSha256(reviews)).append("\"}");
        }
        header.append(",\"split\":\"sha256(normalised text) mod 100: <70 train, <85 calibration, else test\"")
                .append(",\"subsetPercent\":").append(subsetPercent).append(",\"features\":\"")
                .append(embedding == Embedding.NONE ? "hashed words" : embedding.model + " windows + hashed words").append('"')
                .append(",\"training\":{\"loss\":\"logistic, max over windows, class-balanced\",\"optimizer\":\"full-batch Adam\"")
                .append(",\"iterations\":").append(ITERATIONS).append(",\"learningRate\":").append(LEARNING_RATE)
                .append(",\"fit\":").append(fitSettingsJson(embedding)).append("},\"thresholds\":\"calibration split: MEDIUM = best F1 (capped by benign FPR"
                        + " where set), HIGH = lowest >= MEDIUM with precision >= 0.95, LOW = highest <= MEDIUM with recall >= 0.95\"}");

        Map<LabelledText, List<float[]>> windows;
        if (embedding == Embedding.NONE) {
            // One all-zero window: the embedding weights get no gradient and stay 0, so the scanner skips the model.
            List<float[]> none = List.of(new float[MiniLmEmbedder.DIMENSIONS]);
            windows = new java.util.IdentityHashMap<>();
            for (LabelledText r : rows) {
                windows.put(r, none);
            }
        } else if (embedding == Embedding.STATIC) {
            windows = new java.util.IdentityHashMap<>();
            try (StaticEmbedder embedder = StaticEmbedder.load(embedding.maxTokens)) {
                for (LabelledText r : rows) {
                    windows.put(r, embedder.embedWindows(r.text(), embedding.maxWindows));
                }
            }
        } else {
            try (MiniLmEmbedder embedder = MiniLmEmbedder.load(embedding.maxTokens, 1)) {
                windows = CorpusEmbedder.embed(rows, embedder, embedding.maxWindows, cacheFile, threads);
            }
        }
        Map<LabelledText, RowFeatures> emb = new java.util.IdentityHashMap<>();
        for (LabelledText r : rows) {
            emb.put(r, new RowFeatures(windows.get(r), HashedFeatures.of(r.text())));
        }
        return new Prepared(rows, emb, header.toString());
    }

    /** Runs the settings grid search ({@code --tune}) and returns its table; writes nothing. */
    public static String tune(Path dataDir, List<Path> extra, @Nullable Path reviews, Path cacheFile,
                              int subsetPercent, int threads, Embedding embedding) throws Exception {
        Prepared p = prepare(dataDir, extra, reviews, cacheFile, subsetPercent, threads, embedding);
        return tune(p.rows(), p.features(), embedding, threads);
    }

    private static String fitSettingsJson(Embedding embedding) {
        StringBuilder sb = new StringBuilder("{");
        for (HeadSpec spec : HeadSpec.ALL) {
            FitSettings f = spec.fit(embedding);
            sb.append(sb.length() == 1 ? "" : ",").append('"').append(spec.name()).append("\":{\"l2\":")
                    .append(f.l2()).append(",\"positiveWeight\":").append(f.positiveWeight()).append('}');
        }
        return sb.append('}').toString();
    }

    static int subsetBucket(String text) {
        return TrainingData.bucket("subset:" + TrainingData.normalise(text));
    }

    /** Fits one head on the train split with its tuned settings and calibrates its thresholds on the calibration split. */
    static LinearHead trainHead(HeadSpec spec, List<LabelledText> rows, Map<LabelledText, RowFeatures> emb,
                                Embedding embedding) {
        FitSettings fs = spec.fit(embedding);
        double[] w = fit(spec, rows, emb, fs, ITERATIONS);
        LinearHead uncalibrated = rounded(spec, w, 0.5, 0.5, 0.5);
        double[] t = Evaluation.calibrate(spec, uncalibrated, rows, emb);
        return rounded(spec, w, round(t[0]), round(t[1]), round(t[2]));
    }

    /** Round to what heads.json stores before calibrating, so the thresholds fit the weights the scanner loads. */
    private static LinearHead rounded(HeadSpec spec, double[] w, double low, double medium, double high) {
        int d = MiniLmEmbedder.DIMENSIONS;
        int hb = HashedFeatures.BUCKETS;
        float[] weights = new float[d];
        for (int k = 0; k < d; k++) {
            weights[k] = (float) Double.parseDouble(SafetyHeads.num(w[k]));
        }
        float[] hashed = new float[hb];
        for (int k = 0; k < hb; k++) {
            hashed[k] = (float) Double.parseDouble(SafetyHeads.num(w[d + k]));
        }
        float bias = (float) Double.parseDouble(SafetyHeads.num(w[d + hb]));
        return new LinearHead(spec.name(), weights, hashed, bias, low, medium, high);
    }

    /**
     * The grid search behind {@link HeadSpec}'s fit settings: every head is fitted with every pair of
     * {@link #TUNE_L2} and {@link #TUNE_POSITIVE_WEIGHT} for {@link #TUNE_ITERATIONS} iterations (from the same
     * features, computed once) and scored by its F1 on the calibration split at its calibrated MEDIUM threshold (the
     * test split is never looked at). Ties keep the earlier grid point; the current default comes first.
     */
    static String tune(List<LabelledText> rows, Map<LabelledText, RowFeatures> emb, Embedding embedding, int threads)
            throws Exception {
        StringBuilder out = new StringBuilder();
        List<FitSettings> grid = new ArrayList<>();
        grid.add(FitSettings.DEFAULT);
        for (double l2 : TUNE_L2) {
            for (double pw : TUNE_POSITIVE_WEIGHT) {
                FitSettings f = new FitSettings(l2, pw);
                if (!f.equals(FitSettings.DEFAULT)) {
                    grid.add(f);
                }
            }
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            for (HeadSpec spec : HeadSpec.ALL) {
                List<java.util.concurrent.Future<Double>> f1s = new ArrayList<>();
                for (FitSettings fs : grid) {
                    f1s.add(pool.submit(() -> {
                        double[] w = fit(spec, rows, emb, fs, TUNE_ITERATIONS);
                        LinearHead h = rounded(spec, w, 0.5, 0.5, 0.5);
                        double[] t = Evaluation.calibrate(spec, h, rows, emb);
                        return Evaluation.calibrationF1(spec, h, rows, emb, t[1]);
                    }));
                }
                FitSettings best = grid.get(0);
                double bestF1 = -1;
                for (int i = 0; i < grid.size(); i++) {
                    double f1 = f1s.get(i).get();
                    out.append(String.format(Locale.ROOT, "%-28s l2 %-7s positiveWeight %-4s calibration F1 %.4f%n",
                            spec.name(), grid.get(i).l2(), grid.get(i).positiveWeight(), f1));
                    if (f1 > bestF1) {
                        bestF1 = f1;
                        best = grid.get(i);
                    }
                }
                out.append(String.format(Locale.ROOT, "%s chosen (%s): l2 %s positiveWeight %s%n", spec.name(),
                        embedding.name().toLowerCase(Locale.ROOT), best.l2(), best.positiveWeight()));
            }
        } finally {
            pool.shutdownNow();
        }
        return out.toString();
    }

    /**
     * Full-batch Adam on the head's train rows: class-balanced logistic loss (positives further scaled by the
     * settings' positive weight), L2 on every weight but the bias, max over windows. Returns the weights, the hashed
     * weights and the bias in one array.
     */
    static double[] fit(HeadSpec spec, List<LabelledText> rows, Map<LabelledText, RowFeatures> emb, FitSettings fs,
                        int iterations) {
        List<RowFeatures> x = new ArrayList<>();
        List<Boolean> y = new ArrayList<>();
        List<Double> sampleWeight = new ArrayList<>();
        double pos = 0;
        double neg = 0;
        for (LabelledText r : rows) {
            Boolean label = spec.label(r);
            if (label == null || r.split() != LabelledText.Split.TRAIN) {
                continue;
            }
            x.add(emb.get(r));
            y.add(label);
            double w = spec.weight(r);
            sampleWeight.add(w);
            if (label) {
                pos += w;
            } else {
                neg += w;
            }
        }
        if (pos == 0 || neg == 0) {
            throw new IllegalStateException(spec.name() + ": the train split needs positives and negatives (" + pos
                    + " / " + neg + ")");
        }
        int d = MiniLmEmbedder.DIMENSIONS;
        int hb = HashedFeatures.BUCKETS;
        int dim = d + hb + 1; // embedding weights, hashed-word weights, bias (last)
        double[] w = new double[dim];
        double[] m = new double[dim];
        double[] v = new double[dim];
        double posScale = fs.positiveWeight() * 0.5 * (pos + neg) / pos;
        double negScale = 0.5 * (pos + neg) / neg;
        double total = pos + neg;
        double l2 = fs.l2();
        double b1 = 0.9;
        double b2 = 0.999;
        for (int it = 1; it <= iterations; it++) {
            double[] grad = new double[dim];
            for (int i = 0; i < x.size(); i++) {
                List<float[]> windows = x.get(i).windows();
                HashedFeatures words = x.get(i).words();
                double lexical = 0;
                for (int k = 0; k < words.index().length; k++) {
                    lexical += w[d + words.index()[k]] * words.value()[k];
                }
                boolean label = y.get(i);
                // Multiple-instance logistic loss: the window with the highest score stands for the row.
                float[] best = null;
                double bestZ = Double.NEGATIVE_INFINITY;
                for (float[] win : windows) {
                    double z = w[dim - 1] + lexical;
                    for (int k = 0; k < d; k++) {
                        z += w[k] * win[k];
                    }
                    if (z > bestZ) {
                        bestZ = z;
                        best = win;
                    }
                }
                double p = 1.0 / (1.0 + Math.exp(-bestZ));
                double g = (p - (label ? 1 : 0)) * sampleWeight.get(i) * (label ? posScale : negScale) / total;
                for (int k = 0; k < d; k++) {
                    grad[k] += g * best[k];
                }
                for (int k = 0; k < words.index().length; k++) {
                    grad[d + words.index()[k]] += g * words.value()[k];
                }
                grad[dim - 1] += g;
            }
            for (int k = 0; k < dim - 1; k++) {
                grad[k] += l2 * w[k];
            }
            for (int k = 0; k < dim; k++) {
                if (grad[k] == 0 && m[k] == 0) {
                    continue; // a bucket no training text touches keeps weight 0 (and heads.json stays sparse)
                }
                m[k] = b1 * m[k] + (1 - b1) * grad[k];
                v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k];
                double mh = m[k] / (1 - Math.pow(b1, it));
                double vh = v[k] / (1 - Math.pow(b2, it));
                w[k] -= LEARNING_RATE * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        return w;
    }

    private static double round(double t) {
        return Double.parseDouble(SafetyHeads.num(t));
    }
}
