package dev.sluice.safety;

import static java.util.Objects.requireNonNull;

/**
 * A URL judged malicious.
 *
 * @param uri the URL as written in the text
 * @param start the offset of its first character
 * @param end the offset just past its last character
 * @param reason why it was judged malicious (for example {@code blocklist} or {@code ip-literal-host})
 */
public record UriFinding(String uri, int start, int end, String reason) {
    public UriFinding {
        requireNonNull(uri, "uri");
        requireNonNull(reason, "reason");
    }
}
