package dev.sluice.picker.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the captured /metrics pages under {@code src/test/resources/metrics}. */
final class Fixtures {

    static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/metrics/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Fixtures() {}
}
