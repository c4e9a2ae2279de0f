package dev.sluice.safety;

/** Which side of an exchange a screened text came from. */
public enum Direction {
    /** The user's prompt (Model Armor's {@code sanitizeUserPrompt}). */
    PROMPT,
    /** The model's response (Model Armor's {@code sanitizeModelResponse}). */
    RESPONSE
}
