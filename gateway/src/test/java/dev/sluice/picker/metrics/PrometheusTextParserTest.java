package dev.sluice.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PrometheusTextParserTest {

    private static PrometheusSamples parse(String text, String... names) {
        return PrometheusTextParser.forNames(List.of(names)).parse(text);
    }

    private static MetricSample only(PrometheusSamples samples, String name) {
        assertThat(samples.samples(name)).hasSize(1);
        return samples.samples(name).get(0);
    }

    @Test
    void extractsOnlyRequestedSamples_fromVllmFixture() {
        final PrometheusSamples s = parse(Fixtures.read("vllm-0.10.txt"), "vllm:num_requests_waiting",
                                          "vllm:lora_requests_info", "vllm:cache_config_info",
                                          "vllm:time_to_first_token_seconds");
        assertThat(only(s, "vllm:num_requests_waiting").value()).isEqualTo(7.0);
        assertThat(only(s, "vllm:num_requests_waiting").labels())
                .containsExactly(Map.entry("engine", "0"),
                                 Map.entry("model_name", "meta-llama/Llama-3.1-8B-Instruct"));
        assertThat(s.samples("vllm:lora_requests_info")).hasSize(4);
        final MetricSample cache = only(s, "vllm:cache_config_info");
        assertThat(cache.label("num_gpu_blocks")).isEqualTo("27910");
        assertThat(cache.label("block_size")).isEqualTo("16");
        assertThat(cache.label("num_cpu_blocks")).isEqualTo("None");
        // A histogram family's lines are named _bucket/_sum/_count: asking for the family name finds none.
        assertThat(s.samples("vllm:time_to_first_token_seconds")).isEmpty();
        assertThat(s.samples("vllm:num_requests_running")).isEmpty(); // not requested
        assertThat(s.malformedLines()).isZero();
        assertThat(s.sampleLines()).isGreaterThan(50);
        assertThat(s.sawEof()).isFalse();
    }

    @Test
    void distinguishesCreatedAndTotalSamples() {
        final PrometheusSamples s = parse("""
                vllm:prefix_cache_queries_total{engine="0"} 10
                vllm:prefix_cache_queries_created{engine="0"} 1.7e9
                vllm:prefix_cache_queries{engine="0"} 3
                """, "vllm:prefix_cache_queries_total", "vllm:prefix_cache_queries");
        assertThat(only(s, "vllm:prefix_cache_queries_total").value()).isEqualTo(10);
        assertThat(only(s, "vllm:prefix_cache_queries").value()).isEqualTo(3);
    }

    @Test
    void readsSpecialValuesAndTimestamps() {
        final PrometheusSamples s = parse("""
                a NaN
                a +Inf 1712345678901
                a -Inf
                a inf
                a 1.5e-3 -12
                a -0.0
                a 42
                """, "a");
        final List<MetricSample> a = s.samples("a");
        assertThat(a).extracting(MetricSample::value)
                     .containsExactly(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                                      Double.POSITIVE_INFINITY, 0.0015, -0.0, 42.0);
        assertThat(a.get(0).timestamp()).isNaN();
        assertThat(a.get(1).timestamp()).isEqualTo(1712345678901.0);
        assertThat(a.get(4).timestamp()).isEqualTo(-12.0);
        assertThat(s.malformedLines()).isZero();
    }

    @Test
    void resolvesEscapesInLabelValues() {
        final PrometheusSamples s = parse(
                "m{path=\"C:\\\\dir\\\\file\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",odd=\"x\\ty\",brace=\"}{,=\"} 1\n",
                "m");
        final MetricSample m = only(s, "m");
        assertThat(m.label("path")).isEqualTo("C:\\dir\\file");
        assertThat(m.label("quote")).isEqualTo("say \"hi\"");
        assertThat(m.label("nl")).isEqualTo("a\nb");
        assertThat(m.label("odd")).isEqualTo("x\\ty"); // unknown escapes are kept as written
        assertThat(m.label("brace")).isEqualTo("}{,=");
        assertThat(m.value()).isEqualTo(1);
    }

    @Test
    void toleratesCrlfBlanksTabsAndTrailingComma() {
        final PrometheusSamples s = parse("\r\n   \r\n\tm{ a = \"1\" , b=\"2\", } \t 3 \r\n\r\nm 4\r\n# c\r\n", "m");
        assertThat(s.samples("m")).extracting(MetricSample::value).containsExactly(3.0, 4.0);
        assertThat(s.samples("m").get(0).labels()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(s.samples("m").get(1).labels()).isEmpty();
        assertThat(s.malformedLines()).isZero();
    }

    @Test
    void readsLastLineWithoutNewline() {
        assertThat(only(parse("# TYPE m gauge\nm 5", "m"), "m").value()).isEqualTo(5);
    }

    @Test
    void skipsAndCountsMalformedLines_withoutThrowing() {
        final PrometheusSamples s = parse("""
                m{a="1"} 1
                m{a="unterminated} 2
                m{a=1} 3
                m{a="1",a="2"} 4
                m{a="1"}
                m{a="1"} abc
                m{a="1"} 1.0d
                m{a="1"} 0x10
                m{a="1"} 5 notatimestamp
                m{a="1"} 6 7 trailing
                m{"x" 8
                m 9
                {a="1"} 10
                ☃ 11
                9bad 12
                other{{{{ garbage that is not validated
                = = =
                """, "m");
        assertThat(s.samples("m")).extracting(MetricSample::value).containsExactly(1.0, 9.0);
        assertThat(s.malformedLines()).isEqualTo(14);
    }

    @Test
    void nameMustBeFollowedByBlankOrBrace() {
        final PrometheusSamples s = parse("mx 1\nm1 2\nm 3\n", "m");
        assertThat(s.samples("m")).extracting(MetricSample::value).containsExactly(3.0);
    }

    @Test
    void readsOpenMetrics_exemplarsCreatedAndEof() {
        final PrometheusSamples s = parse("""
                # TYPE foo counter
                # HELP foo A counter.
                foo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
                foo_created{a="b"} 1520872607.123
                # TYPE bar histogram
                bar_bucket{le="0.1"} 8 # {id="abc"} 0.043
                bar_bucket{le="+Inf"} 17
                # EOF
                foo_total{a="after-eof"} 1
                """, "foo_total", "bar_bucket");
        assertThat(s.sawEof()).isTrue();
        final MetricSample foo = only(s, "foo_total");
        assertThat(foo.value()).isEqualTo(17.0);
        assertThat(foo.timestamp()).isEqualTo(1520879607.789);
        assertThat(s.samples("bar_bucket")).extracting(m -> m.label("le")).containsExactly("0.1", "+Inf");
        assertThat(s.malformedLines()).isZero();
    }

    @Test
    void readsQuotedUtf8Names() {
        final PrometheusSamples s = parse("""
                {"my.metric",le="1"} 3
                {"other.metric"} 4
                {"my.metric", "quoted.label"="v"} 5
                """, "my.metric");
        assertThat(s.samples("my.metric")).extracting(MetricSample::value).containsExactly(3.0, 5.0);
        assertThat(s.samples("my.metric").get(1).label("quoted.label")).isEqualTo("v");
    }

    @Test
    void neverThrowsOnArbitraryBytes() {
        final java.util.Random random = new java.util.Random(7);
        final PrometheusTextParser parser = PrometheusTextParser.forNames(List.of("m", "vllm:x"));
        final String alphabet = "m{}\"\\=, \t\n\r#:_ae+-.0123456789NaInfEOFvllm:x";
        for (int round = 0; round < 2000; round++) {
            final StringBuilder b = new StringBuilder();
            final int length = random.nextInt(80);
            for (int i = 0; i < length; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            parser.parse(b.toString()); // must not throw
        }
    }

    @Test
    void rejectsBadNames() {
        assertThatThrownBy(() -> PrometheusTextParser.forNames(List.of("a", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: non-empty names");
    }
}
