package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Parses outputs captured from the Debian wrk 4.1.0 package. */
class WrkOutputParserTest {

    @Test
    void parsesACleanThroughputRunInMicroseconds() throws IOException {
        WrkResult r = WrkOutputParser.parse(sample("throughput-c32.txt"));

        assertThat(r.requests()).isEqualTo(180138);
        assertThat(r.durationSeconds()).isCloseTo(2.00, within(1e-9));
        assertThat(r.requestsPerSecond()).isCloseTo(89994.62, within(1e-6));
        // The "Thread Stats" Latency line (246.91us avg) must not be taken for a percentile.
        assertThat(r.p50Micros()).isCloseTo(198.0, within(1e-9));
        assertThat(r.p99Micros()).isCloseTo(572.0, within(1e-9));
        assertThat(r.non2xxResponses()).isZero();
        assertThat(r.socketErrors().total()).isZero();
        assertThat(r.clean()).isTrue();
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void convertsMillisecondPercentiles() throws IOException {
        WrkResult r = WrkOutputParser.parse(sample("latency-c1.txt"));

        assertThat(r.p50Micros()).isCloseTo(99.0, within(1e-9));
        assertThat(r.p99Micros()).isCloseTo(1100.0, within(1e-9)); // "1.10ms"
        assertThat(r.durationSeconds()).isCloseTo(2.10, within(1e-9));
    }

    @Test
    void convertsSecondPercentilesWithTrailingSpaces() throws IOException {
        WrkResult r = WrkOutputParser.parse(sample("seconds-unit.txt"));

        assertThat(r.p50Micros()).isCloseTo(1_300_000.0, within(1e-6)); // "1.30s "
        assertThat(r.p99Micros()).isCloseTo(1_300_000.0, within(1e-6));
        assertThat(r.requests()).isEqualTo(4);
        assertThat(r.requestsPerSecond()).isCloseTo(1.33, within(1e-9));
    }

    @Test
    void flagsNon2xxResponses() throws IOException {
        WrkResult r = WrkOutputParser.parse(sample("non2xx.txt"));

        assertThat(r.non2xxResponses()).isEqualTo(97579);
        assertThat(r.p99Micros()).isCloseTo(1000.0, within(1e-9)); // "1.00ms"
        assertThat(r.clean()).isFalse();
        assertThat(r.problems()).containsExactly("97579 non-2xx/3xx responses");
    }

    @Test
    void flagsSocketErrors() throws IOException {
        WrkResult r = WrkOutputParser.parse(sample("socket-errors-ms.txt"));

        assertThat(r.socketErrors()).isEqualTo(new WrkResult.SocketErrors(0, 2, 0, 6));
        assertThat(r.p50Micros()).isCloseTo(50_810.0, within(1e-6));
        assertThat(r.clean()).isFalse();
        assertThat(r.problems()).containsExactly("socket errors connect 0, read 2, write 0, timeout 6");
    }

    @Test
    void outputWithoutResultsIsFlaggedNotThrown() {
        WrkResult r = WrkOutputParser.parse("unable to connect to 127.0.0.1:18099 Connection refused\n")
                .withExitCode(1);

        assertThat(r.requests()).isZero();
        assertThat(r.p50Micros()).isNaN();
        assertThat(r.problems()).contains("wrk exited 1", "no completed requests", "no latency distribution");
    }

    @Test
    void convertsEveryWrkTimeUnit() {
        assertThat(WrkOutputParser.toMicros("12.5", "us")).isEqualTo(12.5);
        assertThat(WrkOutputParser.toMicros("1.5", "ms")).isEqualTo(1500.0);
        assertThat(WrkOutputParser.toMicros("2", "s")).isEqualTo(2_000_000.0);
        assertThat(WrkOutputParser.toMicros("1", "m")).isEqualTo(60_000_000.0);
        assertThat(WrkOutputParser.toMicros("1", "h")).isEqualTo(3_600_000_000.0);
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = WrkOutputParserTest.class.getResourceAsStream("/wrk/" + name)) {
            assertThat(in).as("test resource /wrk/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
