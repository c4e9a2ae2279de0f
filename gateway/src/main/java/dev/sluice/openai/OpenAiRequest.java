package dev.sluice.openai;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The few fields of an OpenAI request body that the gateway needs, read without building a tree.
 *
 * @param model the {@code model} value, or {@code null} when absent
 * @param modelStart byte offset of the opening quote of the {@code model} value, or -1
 * @param modelEnd byte offset just past the closing quote of the {@code model} value, or -1
 * @param stream whether {@code stream} is {@code true}
 * @param maxTokens {@code max_tokens} (or {@code max_completion_tokens}), or {@code null}
 * @param includeUsage whether {@code stream_options.include_usage} is {@code true}
 * @param hasStreamOptions whether the body carries a {@code stream_options} object
 * @param messages the prompt text: one entry per completions prompt, chat message or embeddings input
 */
public record OpenAiRequest(@Nullable String model, int modelStart, int modelEnd, boolean stream,
                            @Nullable Integer maxTokens, boolean includeUsage, boolean hasStreamOptions,
                            List<PromptText> messages) {

    /** One piece of prompt text with the chat role it came from ({@code prompt} or {@code input} otherwise). */
    public record PromptText(String role, String text) {}

    /** Returns all prompt text joined by newlines, the form used for prefix hashing and screening. */
    public String promptText() {
        if (messages.size() == 1) {
            return messages.get(0).text();
        }
        final StringBuilder buf = new StringBuilder();
        for (PromptText m : messages) {
            if (!buf.isEmpty()) {
                buf.append('\n');
            }
            buf.append(m.text());
        }
        return buf.toString();
    }
}
