package dev.sluice.safety.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training programs reproduce the committed artefacts from scratch: the distilled static table byte for byte, and
 * the heads trained on it (the shared data plus the project's own {@code data/safety}) byte for byte.
 */
class TrainSafetyHeadsTest {

    /** The subset the grid-search check runs on. */
    static final int SUBSET_PERCENT = 6;

    /**
     * The training data: {@code SLUICE_SAFETY_TRAIN}, else {@code ../shared/safety-train} beside the project (tests run
     * in the gateway module's folder), else the development machines' {@code /work/shared/safety-train} (a clean
     * clone for CI may sit elsewhere).
     */
    static Path dataDir() {
        String configured = System.getProperty("SLUICE_SAFETY_TRAIN", System.getenv("SLUICE_SAFETY_TRAIN"));
        if (configured != null) {
            return Path.of(configured);
        }
        Path besideProject = Path.of("../../shared/safety-train").toAbsolutePath().normalize();
        return Files.isDirectory(besideProject) ? besideProject : Path.of("/work/shared/safety-train");
    }

    /** The project's own labelled data, {@code data/safety} (tests run in the gateway module's folder). */
    static Path ownData() {
        return Path.of("../data/safety").toAbsolutePath().normalize();
    }

    /** The project's second reading of the OLID tweets, which the committed heads learn from. */
    static Path olidReviews() {
        return ownData().resolve("reviews/olid.tsv");
    }

    @Test
    void distillationReproducesTheCommittedStaticTable() throws Exception {
        Path data = dataDir();
        assumeTrue(Files.isDirectory(data), "safety training data not found at " + data
                + " (set SLUICE_SAFETY_TRAIN); skipping the reproduction check");
        byte[] expected;
        try (var in = getClass().getResourceAsStream(StaticEmbedder.RESOURCE)) {
            assertThat(in).as("committed table " + StaticEmbedder.RESOURCE).isNotNull();
            expected = in.readAllBytes();
        }
        byte[] distilled = DistillStaticEmbeddings.distill(DistillStaticEmbeddings.rows(data, List.of(ownData())), 2);
        assertThat(distilled).as("a fresh distillation equals the committed table").isEqualTo(expected);
    }

    @Test
    void trainingFromScratchReproducesTheCommittedHeads(@TempDir Path tmp) throws Exception {
        Path data = dataDir();
        assumeTrue(Files.isDirectory(data), "safety training data not found at " + data
                + " (set SLUICE_SAFETY_TRAIN); skipping the reproduction check");
        TrainSafetyHeads.Result r = TrainSafetyHeads.train(data, List.of(ownData()), olidReviews(),
                tmp.resolve("unused.bin"), 100, 1,
                TrainSafetyHeads.Embedding.STATIC);
        String expected;
        try (var in = getClass().getResourceAsStream(SafetyHeads.RESOURCE)) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(r.heads().toJson()).isEqualTo(expected);
        assertThat(r.heads().heads()).containsKeys(LearnedStage.PI_HEAD, "prompt.HATE_SPEECH", "response.DANGEROUS");
        assertThat(Files.exists(tmp.resolve("unused.bin"))).as("static training caches no MiniLM embeddings").isFalse();
    }

    @Test
    void tuneScoresEveryGridPointOfEveryHeadOnTheCalibrationSplit(@TempDir Path tmp) throws Exception {
        Path data = dataDir();
        assumeTrue(Files.isDirectory(data), "safety training data not found at " + data
                + " (set SLUICE_SAFETY_TRAIN); skipping the grid search check");
        String table = TrainSafetyHeads.tune(data, List.of(), null, tmp.resolve("unused.bin"), SUBSET_PERCENT, 2,
                TrainSafetyHeads.Embedding.NONE);
        int points = TrainSafetyHeads.TUNE_L2.length * TrainSafetyHeads.TUNE_POSITIVE_WEIGHT.length;
        for (HeadSpec spec : HeadSpec.ALL) {
            assertThat(table.lines().filter(l -> l.startsWith(spec.name() + " ") && l.contains("calibration F1")))
                    .as(spec.name()).hasSize(points);
            assertThat(table).contains(spec.name() + " chosen (none): l2 ");
        }
        assertThat(Files.exists(tmp.resolve("unused.bin"))).as("tuning on the hashed words embeds nothing").isFalse();
    }

    @Test
    void fitSettingsRejectNegativePenaltiesAndNonPositiveWeights() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FitSettings(-1e-4, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l2 -1.0E-4");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FitSettings(1e-4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positiveWeight 0.0");
        assertThat(HeadSpec.ALL).extracting(HeadSpec::words).contains(new FitSettings(1e-5, 2.0));
    }

    @Test
    void theUnseenEvaluationRowsAreNeverTrainedOn() {
        List<LabelledText> unseen = TrainingData.readDirectory(ownData().resolve("unseen"));
        assertThat(unseen).hasSizeGreaterThan(1000);
        java.util.Set<String> own = new java.util.HashSet<>();
        for (LabelledText r : TrainingData.readDirectory(ownData())) {
            own.add(TrainingData.normalise(r.text()));
        }
        assertThat(unseen).noneMatch(r -> own.contains(TrainingData.normalise(r.text())));
        String header = SafetyHeads.loadResource(SafetyHeads.RESOURCE).header();
        unseen.stream().map(LabelledText::file).distinct()
                .forEach(file -> assertThat(header).doesNotContain("\"" + file + "\""));
    }

    @Test
    void committedFullHeadsNameTheirDataAndSettings() {
        SafetyHeads heads = SafetyHeads.loadResource(SafetyHeads.RESOURCE);
        assertThat(heads.header()).contains("injection.jsonl", "\"subsetPercent\":100", "\"iterations\":"
                + TrainSafetyHeads.ITERATIONS, "\"pi_and_jailbreak\":{\"l2\":" + HeadSpec.ALL.get(0).full().l2(), "toxic-own.jsonl",
                "\"reviews\":{\"olid.tsv\":\"" + TrainingData.fileSha256(olidReviews()) + "\"}");
        assertThat(heads.model()).isEqualTo(SafetyHeads.STATIC);
        assertThat(heads.maxTokens()).isEqualTo(TrainSafetyHeads.Embedding.STATIC.maxTokens);
        assertThat(heads.heads()).hasSize(HeadSpec.ALL.size());
        // what toJson writes parses back to the same file: the scanner uses exactly the stored numbers
        assertThat(SafetyHeads.parse(heads.toJson()).toJson()).isEqualTo(heads.toJson());
    }
}
