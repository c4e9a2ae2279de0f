package dev.sluice.safety;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What the detectors found in one text. A filter family that was not asked for, or found nothing, has a {@code null}
 * confidence, no RAI entry, or an empty list.
 *
 * @param piAndJailbreak confidence that the text is a prompt injection or jailbreak, or {@code null}
 * @param rai the confidence per responsible-AI category that matched at all (at least {@code LOW})
 * @param csam confidence that the text is child sexual abuse material, or {@code null}
 * @param sensitive the sensitive data found, in text order
 * @param maliciousUris the URLs judged malicious, in text order (at most 256 URLs are examined)
 */
public record Detection(@Nullable Confidence piAndJailbreak,
                        Map<RaiCategory, Confidence> rai,
                        @Nullable Confidence csam,
                        List<SensitiveFinding> sensitive,
                        List<UriFinding> maliciousUris) {

    /** Nothing found. */
    public static final Detection NONE = new Detection(null, Map.of(), null, List.of(), List.of());

    public Detection {
        rai = rai.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(rai));
        sensitive = List.copyOf(sensitive);
        maliciousUris = List.copyOf(maliciousUris);
    }
}
