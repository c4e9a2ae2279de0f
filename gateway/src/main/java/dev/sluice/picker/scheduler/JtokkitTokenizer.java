package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Locale;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * Tokenizes prompts with one of OpenAI's BPE encodings ({@code cl100k_base}, {@code o200k_base}, …) through JTokkit.
 *
 * <p>These are <em>not</em> the tokenizers of the open models a pool usually serves (Llama, Qwen, Gemma): token
 * counts come within a few percent for English, but block boundaries do not line up with the server's KV blocks.
 * Use it to count prefix blocks and KV capacity in tokens rather than characters; matching stays prefix-consistent
 * either way. Tokenizing costs far more than hashing characters (on the order of 10 µs per thousand tokens), so
 * measure it with {@code PickerBenchmark} before choosing it. Special-token text is encoded as ordinary text.
 */
public final class JtokkitTokenizer implements PromptTokenizer {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    /**
     * Returns a tokenizer for the encoding named {@code name}, such as {@code cl100k_base} or {@code o200k_base}.
     *
     * @throws IllegalArgumentException if JTokkit has no such encoding
     */
    public static JtokkitTokenizer of(String name) {
        requireNonNull(name, "name");
        final EncodingType type = EncodingType.fromName(name.toLowerCase(Locale.ROOT)).orElseThrow(
                () -> new IllegalArgumentException("tokenizer: " + name + " (expected: one of " +
                                                   Arrays.stream(EncodingType.values()).map(EncodingType::getName)
                                                         .toList() + ')'));
        return new JtokkitTokenizer(REGISTRY.getEncoding(type));
    }

    private final Encoding encoding;

    private JtokkitTokenizer(Encoding encoding) {
        this.encoding = encoding;
    }

    /** Returns the encoding's name. */
    public String name() {
        return encoding.getName();
    }

    @Override
    public int[] encode(String text, int maxTokens) {
        requireNonNull(text, "text");
        final IntArrayList tokens = encoding.encodeOrdinary(text, maxTokens).getTokens();
        return tokens.toArray();
    }

    @Override
    public String toString() {
        return "JtokkitTokenizer{" + name() + '}';
    }
}
