package dev.sluice.safety.learned;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Window embeddings of training texts kept on disk (under {@code target/}) so that re-running the training does not
 * re-embed 20,000 texts. Keyed by the SHA-256 of the embedder settings and the text; a cache only saves time, the
 * embeddings it holds are the ones the embedder computes.
 */
final class EmbeddingCache {

    private static final int MAGIC = 0x534c4543; // "SLEC"

    private final Path file;
    private final String settings;
    private final Map<String, List<float[]>> entries = new ConcurrentHashMap<>();

    EmbeddingCache(Path file, String settings) {
        this.file = file;
        this.settings = settings;
        if (Files.exists(file)) {
            load();
        }
    }

    private String key(String text) {
        return HexFormat.of().formatHex(TrainingData.sha256((settings + '\0' + text).getBytes(StandardCharsets.UTF_8)));
    }

    List<float[]> get(String text) {
        return entries.get(key(text));
    }

    void put(String text, List<float[]> windows) {
        entries.put(key(text), windows);
    }

    int size() {
        return entries.size();
    }

    private void load() {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                return;
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String k = in.readUTF();
                int w = in.readInt();
                List<float[]> windows = new ArrayList<>(w);
                for (int j = 0; j < w; j++) {
                    float[] v = new float[MiniLmEmbedder.DIMENSIONS];
                    for (int d = 0; d < v.length; d++) {
                        v[d] = in.readFloat();
                    }
                    windows.add(v);
                }
                entries.put(k, windows);
            }
        } catch (IOException e) {
            // A truncated cache (an interrupted run) is rebuilt rather than trusted.
            entries.clear();
        }
    }

    void save() {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(entries.size());
                for (Map.Entry<String, List<float[]>> e : entries.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeInt(e.getValue().size());
                    for (float[] v : e.getValue()) {
                        for (float f : v) {
                            out.writeFloat(f);
                        }
                    }
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedding cache " + file, e);
        }
    }
}
