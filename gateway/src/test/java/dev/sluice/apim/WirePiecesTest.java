package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.openai.OpenAiRequestParser;

/** The small pure pieces: reset durations, the include_usage rewrite, chunk reading, settings, key material. */
class WirePiecesTest {

    @Test
    void resetDurationsAreWrittenAsOpenAiDoes() {
        assertThat(RateLimitHeaders.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(RateLimitHeaders.format(Duration.ofMillis(20))).isEqualTo("20ms");
        assertThat(RateLimitHeaders.format(Duration.ofMillis(1000))).isEqualTo("1s");
        assertThat(RateLimitHeaders.format(Duration.ofMillis(1001))).isEqualTo("2s");
        assertThat(RateLimitHeaders.format(Duration.ofMinutes(6))).isEqualTo("6m0s");
        assertThat(RateLimitHeaders.format(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
    }

    private static String includeUsage(String body) {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final byte[] out = StreamOptions.withIncludeUsage(bytes, OpenAiRequestParser.parse(bytes).hasStreamOptions());
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void includeUsageIsSplicedInWithoutTouchingTheRest() {
        assertThat(includeUsage("  {\"model\":\"m\", \"prompt\" : \"é\\n\",\"stream\":true}")).isEqualTo(
                "  {\"stream_options\":{\"include_usage\":true},\"model\":\"m\", \"prompt\" : \"é\\n\"," +
                "\"stream\":true}");
        assertThat(includeUsage("{\"model\":\"m\",\"stream\":true,\"stream_options\":{}}"))
                .isEqualTo("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(StreamOptions.withIncludeUsage("[1]".getBytes(StandardCharsets.UTF_8), false)).isNull();
        assertThat(StreamOptions.withIncludeUsage("{\"stream_options\":".getBytes(StandardCharsets.UTF_8), true))
                .isNull();
    }

    private static ResponseChunks.Chunk read(String json) {
        final byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return ResponseChunks.read(b, 0, b.length);
    }

    @Test
    void chunksAreReadForTheirTextAndTheUsageOnlyShape() {
        assertThat(read("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}").choicesEmpty()).isTrue();
        assertThat(read("{\"usage\":{\"prompt_tokens\":1}}").choicesEmpty()).isTrue();
        final ResponseChunks.Chunk two = read("{\"choices\":[{\"index\":0,\"text\":\"abcd\",\"logprobs\":null}," +
                                              "{\"index\":1,\"text\":\"\"},{\"index\":2,\"delta\":{\"content\":" +
                                              "\"xy\",\"tool_calls\":[{\"id\":\"t\"}]}}]}");
        assertThat(two).isEqualTo(new ResponseChunks.Chunk(false, 6, 2));
        assertThat(read("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hello\"," +
                        "\"reasoning_content\":\"hmm\"}}]}")).isEqualTo(new ResponseChunks.Chunk(false, 8, 1));
        assertThat(read("not json")).isEqualTo(ResponseChunks.NOT_JSON);
        assertThat(read("{\"choices\":[{\"text\":")).isEqualTo(ResponseChunks.NOT_JSON);
    }

    @Test
    void settingsHaveDefaultsAndRejectBadValues() {
        final ApiManagementSettings d = ApiManagementSettings.of(Map.of("dataDir", "/tmp/x"));
        assertThat(d.keyHeaders()).containsExactly("x-api-key", "authorization");
        assertThat(d.defaultSecurityEnabled()).isFalse();
        assertThat(d.dataDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(d.stripCredentials()).isTrue();
        assertThat(d.trustClientObjective()).isFalse();
        assertThat(d.defaultMaxTokens()).isEqualTo(256);
        assertThat(d.includeUsage()).isTrue();
        assertThat(d.cacheSync()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.cacheSize()).isEqualTo(100_000);

        final ApiManagementSettings s = ApiManagementSettings.of(Map.of(
                "keyHeaders", " X-Key , Authorization", "defaultSecurityEnabled", "TRUE", "cacheSync", "250ms",
                "defaultMaxTokens", "0", "cacheSize", "10"));
        assertThat(s.keyHeaders()).isEqualTo(List.of("x-key", "authorization"));
        assertThat(s.defaultSecurityEnabled()).isTrue();
        assertThat(s.cacheSync()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.defaultMaxTokens()).isZero();

        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("stripCredentials", "yes")))
                .hasMessage("metadata.stripCredentials: yes (expected: true or false)");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("cacheSync", "1d")))
                .hasMessage("metadata.cacheSync: 1d (expected: a duration > 0 such as 500ms, 1s or 5m)");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("defaultMaxTokens", "-1")))
                .hasMessageStartingWith("metadata.defaultMaxTokens: -1 (expected: an integer 0..");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("keyHeaders", "x api key")))
                .hasMessageStartingWith("metadata.keyHeaders: x api key");
    }

    @Test
    void keysAreRandomAndHashedStably() {
        final String a = ApiKeys.newKey();
        assertThat(a).matches("sluice_[A-Za-z0-9_-]{43}").isNotEqualTo(ApiKeys.newKey());
        assertThat(ApiKeys.hex(ApiKeys.hash("abc")))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ApiKeys.sameHash(ApiKeys.hash(a), ApiKeys.hash(a))).isTrue();
        assertThat(ApiKeys.sameHash(ApiKeys.hash(a), ApiKeys.hash(a + "x"))).isFalse();
        assertThat(ApiKeys.hint(a)).isEqualTo(a.substring(a.length() - 4));
        assertThat(ApiKeys.newId("key")).matches("key_[a-z2-9]{16}");
    }

    @Test
    void faultsNameThemselvesAsApigeeDoes() {
        assertThat(ApigeeFault.invalidApiKey().name()).isEqualTo("InvalidApiKey");
        assertThat(ApigeeFault.consumerKeyExpired().name()).isEqualTo("consumer_key_expired");
        // Strings are escaped in the body.
        assertThat(new String(ApigeeFault.quotaViolation("a\"b").body(), StandardCharsets.UTF_8))
                .contains("Identifier : a\\\"b");
    }
}
