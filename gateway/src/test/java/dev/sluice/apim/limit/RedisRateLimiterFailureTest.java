package dev.sluice.apim.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.apim.ManualClock;
import dev.sluice.apim.limit.LimiterMetrics.ErrorKind;
import dev.sluice.apim.limit.Quota.Metric;
import dev.sluice.apim.limit.Quota.Type;
import dev.sluice.apim.limit.RateLimiter.Admission;
import dev.sluice.apim.limit.RateLimiter.AdmissionRequest;
import dev.sluice.apim.limit.RateLimiter.Charge;
import dev.sluice.apim.limit.RateLimiter.SpikeCheck;
import dev.sluice.apim.limit.RedisRateLimiter.FailureMode;
import dev.sluice.testing.RedisServer;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What only the Redis limiter does: one round trip per decision, keys that expire, and failing open or closed while
 * Redis is down, visibly, then recovering by itself when it is back (its script reloaded after the restart wiped
 * it). Each test has its own {@code redis-server}, since some kill it.
 */
class RedisRateLimiterFailureTest {

    private final ManualClock clock = ManualClock.at("2026-03-10T12:00:00Z");
    private final LimiterMetrics metrics = new LimiterMetrics();
    private RedisServer redis;

    @BeforeEach
    void startRedis() {
        redis = new RedisServer().start();
    }

    @AfterEach
    void stopRedis() {
        redis.close();
    }

    private RedisRateLimiter limiter(FailureMode mode) {
        return RedisRateLimiter.builder(redis.uri()).clock(clock).metrics(metrics).failureMode(mode)
                               .timeout(Duration.ofSeconds(2)).build();
    }

    private static final Quota PER_MINUTE = new Quota(Metric.REQUESTS, 1000, 1, Quota.TimeUnit.MINUTE,
                                                      Type.CALENDAR);
    private static final Quota ROLLING_HOUR = new Quota(Metric.REQUESTS, 1000, 1, Quota.TimeUnit.HOUR,
                                                        Type.ROLLING_WINDOW);
    private static final Quota TOKENS = new Quota(Metric.TOTAL_TOKENS, 1_000_000, 1, Quota.TimeUnit.DAY,
                                                  Type.CALENDAR);

    private static AdmissionRequest fullRequest() {
        return new AdmissionRequest(new SpikeCheck("app-1", SpikeArrestRate.parse("1000ps")),
                                    List.of(new Charge("app-1", PER_MINUTE, 1), new Charge("app-1", ROLLING_HOUR, 1),
                                            new Charge("app-1", TOKENS, 300)));
    }

    @Test
    void eachDecisionIsOneScriptCall() {
        try (RedisRateLimiter limiter = limiter(FailureMode.CLOSED)) {
            // The first call loads the script (NOSCRIPT, then EVAL); the rest run it by digest.
            assertThat(limiter.admit(fullRequest()).join().allowed()).isTrue();
            try (RedisServer.Monitor monitor = redis.monitor()) {
                for (int i = 0; i < 20; i++) {
                    clock.advance(Duration.ofMillis(5));
                    final Admission a = limiter.admit(fullRequest()).join();
                    assertThat(a.allowed()).isTrue();
                    assertThat(a.quotas()).hasSize(3);
                }
                await().atMost(Duration.ofSeconds(10))
                       .until(() -> monitor.clientCommands().size() >= 20);
                // Twenty decisions with a spike arrest and three quotas each: twenty commands, all EVALSHA.
                assertThat(monitor.clientCommands()).hasSize(20).containsOnly("EVALSHA");
                // ... which did their work inside the script.
                assertThat(monitor.lines()).anyMatch(l -> l.contains("lua]") && l.contains("\"HINCRBY\""));
            }
            assertThat(metrics.decisions(RedisRateLimiter.BACKEND, "allowed")).isEqualTo(21);
        }
    }

    @Test
    void everyKeyExpires() {
        try (RedisRateLimiter limiter = limiter(FailureMode.CLOSED)) {
            final Admission a = limiter.admit(fullRequest()).join();
            limiter.settle(a.reservation(), 10, 20).join();
            @SuppressWarnings("unchecked")
            final List<String> keys = (List<String>) redis.call("KEYS sluice:apim:*");
            assertThat(keys).hasSize(4);
            for (String key : keys) {
                final long ttl = Long.parseLong(((String) redis.call("PTTL " + key)).substring(1));
                // Spike arrest: about 1 ms + 1 s grace; calendar minute: 60 s + 60 s; rolling hour and day longer.
                assertThat(ttl).as(key).isPositive().isLessThanOrEqualTo(Duration.ofDays(1).plusMinutes(1).toMillis());
            }
        }
    }

    @Test
    void failsOpenWhileRedisIsDown_andRecoversAfterARestart() {
        try (RedisRateLimiter limiter = limiter(FailureMode.OPEN)) {
            final Charge c = new Charge("app-1", new Quota(Metric.REQUESTS, 3, 1, Quota.TimeUnit.MINUTE,
                                                           Type.CALENDAR), 1);
            final AdmissionRequest r = new AdmissionRequest(null, List.of(c));
            assertThat(limiter.admit(r).join().quotas().get(0).used()).isEqualTo(1);
            assertThat(up()).contains("sluice_apim_limiter_backend_up{backend=\"redis\"} 1.0");

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !limiter.isConnected());
            // Far more than the quota allows: every one passes, uncounted, and is counted as failed open.
            for (int i = 0; i < 10; i++) {
                final Admission a = limiter.admit(r).join();
                assertThat(a.allowed()).isTrue();
                assertThat(a.quotas()).isEmpty();
                assertThat(a.reservation().held()).isEmpty();
            }
            assertThat(metrics.decisions(RedisRateLimiter.BACKEND, "failed_open")).isEqualTo(10);
            assertThat(metrics.errors(RedisRateLimiter.BACKEND, ErrorKind.UNAVAILABLE)).isGreaterThanOrEqualTo(10);
            assertThat(up()).contains("sluice_apim_limiter_backend_up{backend=\"redis\"} 0.0");

            redis.restart();
            // Lettuce reconnects; the restarted Redis has no script, so the NOSCRIPT fallback loads it again.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                   .until(() -> limiter.admit(r).join().quotas().size() == 1);
            assertThat(up()).contains("sluice_apim_limiter_backend_up{backend=\"redis\"} 1.0");
            // Counting again (the restarted Redis started empty): the quota bites at three.
            int allowed = 1;
            for (int i = 0; i < 5; i++) {
                if (limiter.admit(r).join().allowed()) {
                    allowed++;
                }
            }
            assertThat(allowed).isEqualTo(3);
            assertThat(metrics.decisions(RedisRateLimiter.BACKEND, "refused")).isEqualTo(3);
        }
    }

    @Test
    void failsClosedWhileRedisIsDown_andRecoversAfterARestart() {
        try (RedisRateLimiter limiter = limiter(FailureMode.CLOSED)) {
            final AdmissionRequest r = fullRequest();
            assertThat(limiter.admit(r).join().allowed()).isTrue();
            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !limiter.isConnected());
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> limiter.admit(r).join())
                        .isInstanceOf(CompletionException.class)
                        .hasCauseInstanceOf(RateLimiterUnavailableException.class)
                        .cause().hasMessageContaining("did not answer");
            }
            assertThat(metrics.decisions(RedisRateLimiter.BACKEND, "failed_closed")).isEqualTo(5);
            assertThat(scrape()).contains("sluice_apim_limiter_decisions_total{backend=\"redis\",outcome=\"failed_closed\"} 5");

            redis.restart();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                   .until(() -> limiter.admit(r).join().allowed());
        }
    }

    @Test
    void aSlowRedisTimesOut() {
        try (RedisRateLimiter limiter = RedisRateLimiter.builder(redis.uri()).clock(clock).metrics(metrics)
                                                        .failureMode(FailureMode.OPEN)
                                                        .timeout(Duration.ofMillis(50)).build()) {
            assertThat(limiter.admit(fullRequest()).join().quotas()).hasSize(3);
            // DEBUG SLEEP blocks the server, as a stalled Redis would.
            final Thread sleeper = Thread.ofPlatform().start(() -> redis.call("DEBUG SLEEP 1"));
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> limiter.admit(fullRequest()).join().quotas()
                                                                         .isEmpty());
                assertThat(metrics.errors(RedisRateLimiter.BACKEND, ErrorKind.TIMEOUT)).isPositive();
            } finally {
                sleeper.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String up() {
        return scrape();
    }

    private String scrape() {
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
