package dev.sluice.safety;

/** How sure a detector is that a text matches a filter, from least to most sure (Model Armor's three levels). */
public enum Confidence {
    LOW,
    MEDIUM,
    HIGH;

    /** Returns whether this level is at or above {@code threshold}. */
    public boolean atLeast(Confidence threshold) {
        return compareTo(threshold) >= 0;
    }
}
