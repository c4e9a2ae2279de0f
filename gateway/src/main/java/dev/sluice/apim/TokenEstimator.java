package dev.sluice.apim;

import dev.sluice.openai.OpenAiRequest;

/**
 * Estimates token counts before the model server reports them: prompt tokens to reserve at admission, and output
 * tokens when a response carries no {@code usage}.
 *
 * <p>The default counts four characters per token, the usual figure for English with BPE tokenizers, plus four
 * tokens of chat formatting per message. An estimate only decides what is reserved; the real count from
 * {@code usage} replaces it when the response ends.
 */
@FunctionalInterface
public interface TokenEstimator {

    /** Four characters per token, rounded up. */
    TokenEstimator CHARS_PER_TOKEN = text -> (text.length() + 3) / 4;

    /** Returns the estimated tokens of {@code text}. */
    long count(String text);

    /** Returns the estimated prompt tokens of a request. */
    default long prompt(OpenAiRequest request) {
        long total = 0;
        for (OpenAiRequest.PromptText m : request.messages()) {
            total += count(m.text());
            if (!"prompt".equals(m.role()) && !"input".equals(m.role())) {
                total += 4;
            }
        }
        return total;
    }
}
