package dev.sluice.simulator;

import org.jspecify.annotations.Nullable;

/**
 * Describes an admitted sequence (one prompt of a request) as a {@link TimingModel} sees it.
 *
 * @param model the model name the client asked for
 * @param loraAdapter the LoRA adapter the request runs on, or {@code null} for the base model
 * @param promptTokens the number of prompt tokens
 * @param cachedPromptTokens how many of {@code promptTokens} were found in the prefix cache at admission
 * @param outputTokens the number of tokens the sequence will generate ({@code 0} for embeddings)
 */
public record GenerationRequest(String model, @Nullable String loraAdapter, int promptTokens,
                                int cachedPromptTokens, int outputTokens) {}
