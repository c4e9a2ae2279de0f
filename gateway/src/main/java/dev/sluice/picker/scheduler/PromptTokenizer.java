package dev.sluice.picker.scheduler;

/**
 * Turns prompt text into token ids, so that prefix blocks can be counted in tokens as a model server's KV cache is.
 *
 * <p>Only the model's own tokenizer gives blocks that line up with the server's KV blocks; any other tokenizer (see
 * {@link JtokkitTokenizer}) is an approximation that is still prefix-consistent: equal leading text gives equal
 * leading tokens, which is all prefix matching needs.
 */
@FunctionalInterface
public interface PromptTokenizer {

    /** Returns the token ids of at most the first {@code maxTokens} tokens of {@code text}. */
    int[] encode(String text, int maxTokens);
}
