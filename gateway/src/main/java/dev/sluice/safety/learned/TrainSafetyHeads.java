package dev.sluice.safety.learned;

import java.nio.file.Path;
import java.util.List;

/** Trains the safety heads (work in progress: embedding phase). */
public final class TrainSafetyHeads {
    private TrainSafetyHeads() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        List<LabelledText> rows = TrainingData.readDirectory(data);
        try (MiniLmEmbedder e = MiniLmEmbedder.load(128, 1)) {
            CorpusEmbedder.embed(rows, e, 3, Path.of("gateway/target/safety-embeddings/cache.bin"), 2);
        }
    }
}
