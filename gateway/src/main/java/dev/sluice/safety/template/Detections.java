package dev.sluice.safety.template;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;

/** Combines detections of one text from several sources (the detectors and a guard): the most confident wins. */
public final class Detections {

    private Detections() {}

    /** Returns the union of {@code a} and {@code b}, keeping the higher confidence of each filter. */
    public static Detection merge(Detection a, Detection b) {
        if (b == Detection.NONE) {
            return a;
        }
        if (a == Detection.NONE) {
            return b;
        }
        final Map<RaiCategory, Confidence> rai = new EnumMap<>(RaiCategory.class);
        rai.putAll(a.rai());
        b.rai().forEach((k, v) -> rai.merge(k, v, Detections::max));
        final List<SensitiveFinding> sensitive = new ArrayList<>(a.sensitive());
        for (SensitiveFinding f : b.sensitive()) {
            if (!sensitive.contains(f)) {
                sensitive.add(f);
            }
        }
        sensitive.sort(java.util.Comparator.comparingInt(SensitiveFinding::start));
        final List<UriFinding> uris = new ArrayList<>(a.maliciousUris());
        for (UriFinding u : b.maliciousUris()) {
            if (uris.stream().noneMatch(x -> x.uri().equals(u.uri()) && x.start() == u.start())) {
                uris.add(u);
            }
        }
        return new Detection(maxNullable(a.piAndJailbreak(), b.piAndJailbreak()), rai,
                             maxNullable(a.csam(), b.csam()), sensitive, uris);
    }

    private static Confidence max(Confidence x, Confidence y) {
        return x.compareTo(y) >= 0 ? x : y;
    }

    private static @Nullable Confidence maxNullable(@Nullable Confidence x, @Nullable Confidence y) {
        return x == null ? y : y == null ? x : max(x, y);
    }
}
