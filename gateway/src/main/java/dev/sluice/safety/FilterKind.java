package dev.sluice.safety;

/** A filter family of a template; a scan runs only the families asked for. */
public enum FilterKind {
    /** Prompt injection and jailbreak ({@code piAndJailbreakFilterSettings}). */
    PI_AND_JAILBREAK,
    /** The four responsible-AI categories ({@code raiSettings}). */
    RAI,
    /** Sensitive data ({@code sdpSettings}). */
    SDP,
    /** Malicious URLs ({@code maliciousUriFilterSettings}). */
    MALICIOUS_URIS,
    /** Child sexual abuse material; always on in a template. */
    CSAM
}
