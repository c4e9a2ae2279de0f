package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatedTokenizerTest {

    @Test
    void makesOneTokenPerFourBytes() {
        assertThat(SimulatedTokenizer.encode("")).hasSize(1);
        assertThat(SimulatedTokenizer.encode("abcd")).hasSize(1);
        assertThat(SimulatedTokenizer.encode("abcdefghi")).hasSize(3);
        assertThat(SimulatedTokenizer.encode("a".repeat(64))).hasSize(16); // one KV block
        for (String text : List.of("", "a", "héllo wörld", "日本語のテキスト", "emoji 😀 here", "lone \uD800 surrogate",
                                   "x".repeat(1001))) {
            assertThat(SimulatedTokenizer.count(text)).as(text).isEqualTo(SimulatedTokenizer.encode(text).length);
        }
    }

    @Test
    void equalTextGivesEqualIdsAndSharedPrefixesShareLeadingIds() {
        final int[] a = SimulatedTokenizer.encode("The quick brown fox jumps");
        final int[] b = SimulatedTokenizer.encode("The quick brown fox sleeps");
        assertThat(SimulatedTokenizer.encode("The quick brown fox jumps")).isEqualTo(a);
        assertThat(Arrays.copyOf(b, 5)).isEqualTo(Arrays.copyOf(a, 5)); // "The quick brown fox " is 20 bytes
        assertThat(b[5]).isNotEqualTo(a[5]);
        // A short last token differs from a padded one.
        assertThat(SimulatedTokenizer.encode("a")[0]).isNotEqualTo(SimulatedTokenizer.encode("a\0")[0]);
        assertThat(Arrays.stream(a)).allMatch(id -> id >= 0 && id < SimulatedTokenizer.VOCABULARY_SIZE);
    }
}
