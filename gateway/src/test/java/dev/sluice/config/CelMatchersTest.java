package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

class CelMatchersTest {

    private static Map<String, Object> request(String method, String path, Map<String, String> headers) {
        return Map.of("method", method, "path", path, "host", "api.example.com", "scheme", "http",
                      "headers", headers);
    }

    @Test
    void evaluatesMatchConditionsAgainstTheRequest() {
        final Map<String, Object> post = request("POST", "/v1/completions", Map.of("x-a", "b"));
        final Map<String, Object> get = request("GET", "/healthz", Map.of());

        final Predicate<Map<String, ?>> slash = CelMatchers.program("request.path.startsWith(\"/\")");
        assertThat(slash.test(post)).isTrue();
        assertThat(slash.test(request("GET", "relative", Map.of()))).isFalse();

        final Predicate<Map<String, ?>> header = CelMatchers.program("request.headers[\"x-a\"] == \"b\"");
        assertThat(header.test(post)).isTrue();
        assertThat(header.test(request("POST", "/", Map.of("x-a", "c")))).isFalse();
        // A missing key is an evaluation error, which counts as no match.
        assertThat(header.test(get)).isFalse();

        final Predicate<Map<String, ?>> both =
                CelMatchers.program("request.method == \"POST\" && request.path == \"/v1/completions\"");
        assertThat(both.test(post)).isTrue();
        assertThat(both.test(request("POST", "/v1/chat/completions", Map.of()))).isFalse();
        assertThat(both.test(get)).isFalse();

        assertThat(CelMatchers.program("\"x-a\" in request.headers && request.host.endsWith(\".com\")")
                              .test(post)).isTrue();
    }

    @Test
    void rejectsExpressionsThatDoNotCompileOrAreNotBoolean() {
        assertThat(CelMatchers.compile("request.scheme == \"https\"").isChecked()).isTrue();
        assertThatThrownBy(() -> CelMatchers.compile("request.path.startsWith("))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> CelMatchers.compile("req.path == \"/\""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("undeclared reference to 'req'");
        assertThatThrownBy(() -> CelMatchers.program("request.path"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the result type is dyn, not bool");
        assertThatThrownBy(() -> CelMatchers.compile("1 + 2"))
                .hasMessage("the result type is int, not bool");
    }
}
