package dev.sluice.safety;

/** The responsible-AI categories of Model Armor's {@code raiSettings.raiFilters[].filterType}. */
public enum RaiCategory {
    SEXUALLY_EXPLICIT,
    HATE_SPEECH,
    HARASSMENT,
    DANGEROUS
}
