/**
 * AI safety screening, Model Armor-style: {@link dev.sluice.safety.SafetyScanner} runs detectors (prompt injection
 * and jailbreak, the four responsible-AI categories, CSAM, sensitive data, malicious URLs) over a text and reports a
 * {@link dev.sluice.safety.Detection} with a {@link dev.sluice.safety.Confidence} per filter; templates decide what
 * matches and what is blocked.
 */
@NullMarked
package dev.sluice.safety;

import org.jspecify.annotations.NullMarked;
