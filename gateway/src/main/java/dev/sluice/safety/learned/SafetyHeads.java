package dev.sluice.safety.learned;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trained heads and the embedding settings they were trained with, as stored in {@code heads.json}: a header
 * (data files with their SHA-256, training settings) and one {@link LinearHead} per task.
 *
 * @param model the embedding the heads were trained on: {@value #MINILM}, {@value #STATIC} or {@value #NONE}
 * @param maxTokens word pieces per embedding window
 * @param maxWindows windows embedded per text
 * @param heads the heads by name ({@code pi_and_jailbreak}, {@code prompt.<RAI category>}, {@code response.<RAI category>})
 * @param header the training provenance, kept verbatim
 */
public record SafetyHeads(String model, int maxTokens, int maxWindows, Map<String, LinearHead> heads, String header) {

    /** Where the committed weights live on the classpath. */
    public static final String RESOURCE = "/dev/sluice/safety/learned/heads.json";

    /** MiniLM run on every window. */
    public static final String MINILM = "all-minilm-l6-v2-q";
    /** MiniLM's distilled static table ({@link StaticEmbedder}). */
    public static final String STATIC = "minilm-static";
    /** No embedding: the hashed words alone. */
    public static final String NONE = "none";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public SafetyHeads {
        heads = Map.copyOf(heads);
    }

    /** The head named {@code name}, or {@code null}. */
    public @Nullable LinearHead head(String name) {
        return heads.get(name);
    }

    /** Reads the committed heads from the classpath. */
    public static SafetyHeads loadResource(String resource) {
        try (InputStream in = SafetyHeads.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("safety heads " + resource + " are not on the classpath; run scripts/train-safety");
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Parses the {@code heads.json} format written by {@link #toJson()}. */
    public static SafetyHeads parse(String json) {
        JsonNode root = JSON.readTree(json);
        JsonNode embedding = root.get("embedding");
        JsonNode heads = root.get("heads");
        if (embedding == null || heads == null) {
            throw new IllegalArgumentException("heads.json needs \"embedding\" and \"heads\"");
        }
        Map<String, LinearHead> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : heads.properties()) {
            JsonNode h = e.getValue();
            JsonNode w = h.get("w");
            float[] weights = new float[w.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) w.get(i).asDouble();
            }
            float[] hashed = new float[HashedFeatures.BUCKETS];
            JsonNode hs = h.get("h");
            // Sparse: [bucket, weight, bucket, weight, ...]; buckets never seen in training keep weight 0.
            for (int i = 0; i + 1 < hs.size(); i += 2) {
                hashed[hs.get(i).asInt()] = (float) hs.get(i + 1).asDouble();
            }
            JsonNode t = h.get("thresholds");
            out.put(e.getKey(), new LinearHead(e.getKey(), weights, hashed, (float) h.get("b").asDouble(),
                    t.get("LOW").asDouble(), t.get("MEDIUM").asDouble(), t.get("HIGH").asDouble()));
        }
        JsonNode header = root.get("header");
        int maxWindows = embedding.get("maxWindows").asInt();
        // Files written before the static table name MiniLM even for word-only heads (no windows): those read nothing.
        String model = maxWindows == 0 ? NONE : embedding.path("model").asString(MINILM);
        return new SafetyHeads(model, embedding.get("maxTokens").asInt(), maxWindows, out,
                header == null ? "{}" : JSON.writeValueAsString(header));
    }

    /** A compact, byte-stable JSON form: heads in name order, numbers with six significant digits. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(heads.size() * 5000);
        sb.append("{\"header\":").append(header).append(",\n\"embedding\":{\"model\":\"").append(model).append("\",\"hashBuckets\":")
                .append(HashedFeatures.BUCKETS).append(",\"maxTokens\":")
                .append(maxTokens).append(",\"maxWindows\":").append(maxWindows).append("},\n\"heads\":{");
        boolean first = true;
        for (String name : new java.util.TreeSet<>(heads.keySet())) {
            LinearHead h = heads.get(name);
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append('"').append(name).append("\":{\"thresholds\":{\"LOW\":").append(num(h.low())).append(",\"MEDIUM\":")
                    .append(num(h.medium())).append(",\"HIGH\":").append(num(h.high()))
                    .append("},\"b\":")
                    .append(num(h.bias())).append(",\"w\":[");
            for (int i = 0; i < h.weights().length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(num(h.weights()[i]));
            }
            sb.append("],\"h\":[");
            boolean firstH = true;
            for (int i = 0; i < h.hashed().length; i++) {
                if (h.hashed()[i] != 0) {
                    sb.append(firstH ? "" : ",").append(i).append(',').append(num(h.hashed()[i]));
                    firstH = false;
                }
            }
            sb.append("]}");
        }
        sb.append("\n}}\n");
        return sb.toString();
    }

    /** Six significant digits, no locale, no trailing noise; what the file stores is what the scanner uses. */
    static String num(double v) {
        if (v == 0) {
            return "0";
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toString()
                .toLowerCase(Locale.ROOT).replace("e+", "e");
    }
}
