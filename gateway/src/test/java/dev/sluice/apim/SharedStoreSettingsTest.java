package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.apim.limit.RedisRateLimiter.FailureMode;

/** The settings that choose shared stores: a PostgreSQL key store and a Redis rate limiter. */
class SharedStoreSettingsTest {

    @Test
    void defaultsAreSqliteAndCountersInProcess() {
        final ApiManagementSettings d = ApiManagementSettings.of(Map.of());
        assertThat(d.keyStore()).isNull();
        assertThat(d.rateLimiter()).isNull();
        assertThat(d.rateLimiterFailure()).isEqualTo(FailureMode.OPEN);
        assertThat(d.rateLimiterTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(ApiManagementSettings.of(Map.of("rateLimiter", "memory")).rateLimiter()).isNull();
    }

    @Test
    void sharedStoresAreRead() {
        final ApiManagementSettings s = ApiManagementSettings.of(Map.of(
                "keyStore", "jdbc:postgresql://db:5432/sluice?user=sluice", "rateLimiter", "redis://redis:6379/0",
                "rateLimiterFailure", "Closed", "rateLimiterTimeout", "20ms"));
        assertThat(s.keyStore()).isEqualTo("jdbc:postgresql://db:5432/sluice?user=sluice");
        assertThat(s.rateLimiter()).isEqualTo("redis://redis:6379/0");
        assertThat(s.rateLimiterFailure()).isEqualTo(FailureMode.CLOSED);
        assertThat(s.rateLimiterTimeout()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void passwordsNeverShowInTheSettingsOrErrors() {
        final ApiManagementSettings s = ApiManagementSettings.of(Map.of(
                "keyStore", "jdbc:postgresql://db/sluice?user=sluice&password=hunter2",
                "rateLimiter", "redis://:hunter3@redis:6379/0"));
        assertThat(s.toString()).contains("jdbc:postgresql://db/sluice?…").contains("redis://…@redis:6379/0")
                                .doesNotContain("hunter2").doesNotContain("hunter3");
        assertThatThrownBy(() -> dev.sluice.apim.limit.RedisRateLimiter.builder("redis://:hunter3@bad host:x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("hunter3");
    }

    @Test
    void badValuesAreRefusedClearly() {
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("keyStore", "jdbc:mysql://db/sluice")))
                .hasMessage("metadata.keyStore: jdbc:mysql://db/sluice (expected: a JDBC URL starting with " +
                            "jdbc:postgresql:)");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("rateLimiter", "memcached://x")))
                .hasMessage("metadata.rateLimiter: memcached://x (expected: memory, or a URI starting with " +
                            "redis:// or rediss://)");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("rateLimiterFailure", "maybe")))
                .hasMessage("metadata.rateLimiterFailure: maybe (expected: open or closed)");
        assertThatThrownBy(() -> ApiManagementSettings.of(Map.of("rateLimiterTimeout", "0ms")))
                .hasMessageStartingWith("metadata.rateLimiterTimeout: 0ms (expected: a duration > 0");
    }
}
