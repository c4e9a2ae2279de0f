package dev.sluice.safety.learned;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Embeds many training texts with a few threads sharing one ONNX session, through an on-disk cache. */
final class CorpusEmbedder {

    private CorpusEmbedder() {}

    /** Returns the window embeddings of every row, in row order. */
    static Map<LabelledText, List<float[]>> embed(List<LabelledText> rows, MiniLmEmbedder embedder, int maxWindows,
                                                  Path cacheFile, int threads) throws Exception {
        EmbeddingCache cache = new EmbeddingCache(cacheFile,
                "all-minilm-l6-v2-q/maxTokens=" + embedder.maxTokens() + "/maxWindows=" + maxWindows);
        List<LabelledText> missing = rows.stream().filter(r -> cache.get(r.text()) == null).toList();
        System.err.printf("embeddings: %d rows, %d cached, %d to embed with %d threads%n",
                rows.size(), rows.size() - missing.size(), missing.size(), threads);
        if (!missing.isEmpty()) {
            AtomicInteger done = new AtomicInteger();
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (LabelledText r : missing) {
                    futures.add(pool.submit(() -> {
                        cache.put(r.text(), embedder.embedWindows(r.text(), maxWindows));
                        int d = done.incrementAndGet();
                        if (d % 1000 == 0) {
                            System.err.printf("  embedded %d/%d (%.0f s)%n", d, missing.size(),
                                    (System.nanoTime() - t0) / 1e9);
                            synchronized (cache) {
                                cache.save();
                            }
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            synchronized (cache) {
                cache.save();
            }
        }
        Map<LabelledText, List<float[]>> out = new IdentityHashMap<>();
        for (LabelledText r : rows) {
            out.put(r, cache.get(r.text()));
        }
        return out;
    }
}
