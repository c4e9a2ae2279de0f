package dev.sluice.apim.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.apim.ManualClock;
import dev.sluice.apim.limit.Quota.Metric;
import dev.sluice.apim.limit.Quota.Type;
import dev.sluice.apim.limit.RateLimiter.Admission;
import dev.sluice.apim.limit.RateLimiter.AdmissionRequest;
import dev.sluice.apim.limit.RateLimiter.Charge;
import dev.sluice.apim.limit.RateLimiter.SpikeCheck;

/**
 * What every {@link RateLimiter} must do, on a manual clock. Subclass it per implementation; a shared (Redis) one
 * must take time from the given clock so these tests stay deterministic.
 */
public abstract class RateLimiterContractTest {

    /** Returns a new limiter with no counters, reading time from {@code clock}. */
    protected abstract RateLimiter newLimiter(Clock clock);

    protected ManualClock clock;
    protected RateLimiter limiter;

    @BeforeEach
    void setUp() {
        clock = ManualClock.at("2026-03-10T12:00:00Z");
        limiter = newLimiter(clock);
    }

    @AfterEach
    void tearDown() {
        limiter.close();
    }

    private static Quota requests(long limit, Quota.TimeUnit unit, Type type) {
        return new Quota(Metric.REQUESTS, limit, 1, unit, type);
    }

    private Admission admit(@Nullable SpikeCheck spike, Charge... charges) {
        return limiter.admit(new AdmissionRequest(spike, List.of(charges))).join();
    }

    private Admission admit(Charge... charges) {
        return admit(null, charges);
    }

    private int admitMany(int n, Charge charge) {
        int allowed = 0;
        for (int i = 0; i < n; i++) {
            if (admit(charge).allowed()) {
                allowed++;
            }
        }
        return allowed;
    }

    private void settle(Admission a, long in, long out) {
        limiter.settle(a.reservation(), in, out).join();
    }

    /* ------------------------------------------------------------------------------------------ request quotas */

    @Test
    void calendarQuota_allowsTheLimitThenRefusesUntilTheNextWindow() {
        final Charge c = new Charge("app-1", requests(5, Quota.TimeUnit.MINUTE, Type.CALENDAR), 1);
        clock.set(Instant.parse("2026-03-10T12:00:10Z"));
        for (int i = 0; i < 5; i++) {
            final Admission a = admit(c);
            assertThat(a.allowed()).isTrue();
            assertThat(a.quotas().get(0).remaining()).isEqualTo(4 - i);
            assertThat(a.quotas().get(0).resetAt()).isEqualTo(Instant.parse("2026-03-10T12:01:00Z"));
        }
        final Admission refused = admit(c);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.violation().charge()).isEqualTo(c);
        assertThat(refused.violation().retryAfter()).isEqualTo(Duration.ofSeconds(50));
        assertThat(refused.quotas().get(0).remaining()).isZero();

        clock.set(Instant.parse("2026-03-10T12:00:59.999Z"));
        assertThat(admit(c).allowed()).isFalse();
        clock.set(Instant.parse("2026-03-10T12:01:00Z"));
        assertThat(admitMany(10, c)).isEqualTo(5);
    }

    @Test
    void calendarDayQuota_resetsAtMidnightUtc() {
        final Charge c = new Charge("app-1", requests(2, Quota.TimeUnit.DAY, Type.CALENDAR), 1);
        clock.set(Instant.parse("2026-03-10T23:59:00Z"));
        assertThat(admitMany(3, c)).isEqualTo(2);
        clock.set(Instant.parse("2026-03-11T00:00:00Z"));
        assertThat(admitMany(3, c)).isEqualTo(2);
    }

    @Test
    void calendarMonthQuota_resetsOnTheFirst() {
        final Charge c = new Charge("app-1", requests(3, Quota.TimeUnit.MONTH, Type.CALENDAR), 1);
        clock.set(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(admitMany(2, c)).isEqualTo(2);
        clock.set(Instant.parse("2026-02-28T23:59:59Z"));
        assertThat(admitMany(2, c)).isEqualTo(1);
        final Admission refused = admit(c);
        assertThat(refused.quotas().get(0).resetAt()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        clock.set(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(admitMany(4, c)).isEqualTo(3);
    }

    @Test
    void rollingQuota_countsTheWindowEndingNow() {
        final Charge c = new Charge("app-1", requests(10, Quota.TimeUnit.MINUTE, Type.ROLLING_WINDOW), 1);
        clock.set(Instant.parse("2026-03-10T12:00:00Z"));
        assertThat(admitMany(5, c)).isEqualTo(5);
        clock.set(Instant.parse("2026-03-10T12:00:30Z"));
        assertThat(admitMany(5, c)).isEqualTo(5);
        // A calendar quota would reset at 12:01; a rolling one still counts everything from the last minute.
        clock.set(Instant.parse("2026-03-10T12:01:00Z"));
        final Admission refused = admit(c);
        assertThat(refused.allowed()).isFalse();
        // The first five leave the window once their second is more than a minute old.
        assertThat(refused.quotas().get(0).resetAt()).isEqualTo(Instant.parse("2026-03-10T12:01:01Z"));
        clock.set(Instant.parse("2026-03-10T12:01:00.999Z"));
        assertThat(admit(c).allowed()).isFalse();
        clock.set(Instant.parse("2026-03-10T12:01:01Z"));
        assertThat(admitMany(10, c)).isEqualTo(5);
        clock.set(Instant.parse("2026-03-10T12:01:31Z"));
        assertThat(admitMany(10, c)).isEqualTo(5);
    }

    @Test
    void rollingQuota_neverAllowsMoreThanTheLimitInAnyWindow() {
        // Requests every 250 ms for three minutes against 20 per rolling minute: any 60 s span holds at most 20.
        final Charge c = new Charge("app-1", requests(20, Quota.TimeUnit.MINUTE, Type.ROLLING_WINDOW), 1);
        final List<Instant> admitted = new ArrayList<>();
        for (int i = 0; i < 720; i++) {
            if (admit(c).allowed()) {
                admitted.add(clock.instant());
            }
            clock.advance(Duration.ofMillis(250));
        }
        for (int i = 0; i < admitted.size(); i++) {
            int inWindow = 0;
            for (int j = i; j < admitted.size() &&
                            admitted.get(j).isBefore(admitted.get(i).plus(Duration.ofMinutes(1))); j++) {
                inWindow++;
            }
            assertThat(inWindow).isLessThanOrEqualTo(20);
        }
        // And it is not much stricter: about 20 per minute over three minutes.
        assertThat(admitted.size()).isBetween(57, 60);
    }

    @Test
    void countersAreIndependentPerCounterAndQuota() {
        final Quota q = requests(1, Quota.TimeUnit.MINUTE, Type.CALENDAR);
        assertThat(admit(new Charge("app-1", q, 1)).allowed()).isTrue();
        assertThat(admit(new Charge("app-2", q, 1)).allowed()).isTrue();
        assertThat(admit(new Charge("app-1", q, 1)).allowed()).isFalse();
        // A changed quota starts its own count.
        assertThat(admit(new Charge("app-1", requests(2, Quota.TimeUnit.MINUTE, Type.CALENDAR), 1)).allowed())
                .isTrue();
    }

    /* ------------------------------------------------------------------------------------------ spike arrest */

    @Test
    void spikeArrest_smoothsTenPerSecondToOneEvery100Ms() {
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("10ps"));
        assertThat(admit(spike).allowed()).isTrue();
        clock.advance(Duration.ofMillis(50));
        final Admission refused = admit(spike);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.violation().isSpikeArrest()).isTrue();
        assertThat(refused.violation().retryAfter()).isEqualTo(Duration.ofMillis(50));
        clock.advance(Duration.ofMillis(49));
        assertThat(admit(spike).allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(admit(spike).allowed()).isTrue();
        // Evenly spaced requests at the rate all pass.
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofMillis(100));
            assertThat(admit(spike).allowed()).isTrue();
        }
    }

    @Test
    void spikeArrest_cutsABurstEvenWhenThePerSecondTotalFits() {
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("10ps"));
        clock.advance(Duration.ofSeconds(5));
        int allowed = 0;
        for (int i = 0; i < 5; i++) {
            if (admit(spike).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(1);
    }

    @Test
    void spikeArrest_perMinuteRateSpacesRequestsEvenly() {
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("30pm"));
        assertThat(admit(spike).allowed()).isTrue();
        clock.advance(Duration.ofMillis(1999));
        assertThat(admit(spike).allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(admit(spike).allowed()).isTrue();
    }

    @Test
    void refusedRequestsDoNotMoveTheSpikeArrest() {
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("10ps"));
        assertThat(admit(spike).allowed()).isTrue();
        for (int i = 0; i < 9; i++) {
            clock.advance(Duration.ofMillis(10));
            assertThat(admit(spike).allowed()).isFalse();
        }
        clock.advance(Duration.ofMillis(10));
        assertThat(admit(spike).allowed()).isTrue();
    }

    /* ------------------------------------------------------------------------------------------ atomicity */

    @Test
    void aRefusedRequestChargesNothing() {
        final Quota roomy = requests(100, Quota.TimeUnit.MINUTE, Type.CALENDAR);
        final Quota tight = requests(1, Quota.TimeUnit.MINUTE, Type.CALENDAR);
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("10ps"));
        assertThat(admit(spike, new Charge("app-1", roomy, 1), new Charge("app-1", tight, 1)).allowed()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        final Admission refused = admit(spike, new Charge("app-1", roomy, 1), new Charge("app-1", tight, 1));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.violation().charge().quota()).isEqualTo(tight);
        assertThat(refused.reservation().held()).isEmpty();
        // Neither the roomy quota nor the spike arrest counted the refused request.
        final Admission next = admit(spike, new Charge("app-1", roomy, 1));
        assertThat(next.allowed()).isTrue();
        assertThat(next.quotas().get(0).used()).isEqualTo(2);
    }

    @Test
    void spikeArrestIsCheckedFirst() {
        final Quota tight = requests(1, Quota.TimeUnit.MINUTE, Type.CALENDAR);
        final SpikeCheck spike = new SpikeCheck("app-1", SpikeArrestRate.parse("1ps"));
        assertThat(admit(spike, new Charge("app-1", tight, 1)).allowed()).isTrue();
        final Admission refused = admit(spike, new Charge("app-1", tight, 1));
        assertThat(refused.violation().isSpikeArrest()).isTrue();
    }

    @Test
    void concurrentAdmissionsNeverExceedTheLimit() throws Exception {
        final Charge c = new Charge("app-1", requests(500, Quota.TimeUnit.HOUR, Type.CALENDAR), 1);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return admitMany(200, c);
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(500);
        } finally {
            pool.shutdownNow();
        }
    }

    /* ------------------------------------------------------------------------------------------ token reservations */

    private static Quota tokens(Metric metric, long limit, Type type) {
        return new Quota(metric, limit, 1, Quota.TimeUnit.MINUTE, type);
    }

    @Test
    void reservation_holdsTheBudgetUntilSettled() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 1000, Type.CALENDAR);
        final Admission first = admit(new Charge("app-1", q, 600));
        assertThat(first.allowed()).isTrue();
        assertThat(first.quotas().get(0).remaining()).isEqualTo(400);
        // A second request that would fit after the first's real usage does not fit its reservation.
        final Admission second = admit(new Charge("app-1", q, 600));
        assertThat(second.allowed()).isFalse();
        assertThat(second.violation().charge().quota().metric()).isEqualTo(Metric.TOTAL_TOKENS);

        settle(first, 40, 60);
        final Admission third = admit(new Charge("app-1", q, 600));
        assertThat(third.allowed()).isTrue();
        assertThat(third.quotas().get(0).used()).isEqualTo(700);
    }

    @Test
    void concurrentReservationsNeverOverspendATokenBudget() throws Exception {
        // The failure peers report: many requests admitted at once, each fitting alone, together far over budget.
        final Quota q = tokens(Metric.TOTAL_TOKENS, 1000, Type.CALENDAR);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return admitMany(25, new Charge("app-1", q, 100));
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(10);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void settlement_chargesUsageBeyondTheReservation() {
        final Quota q = tokens(Metric.OUTPUT_TOKENS, 1000, Type.CALENDAR);
        final Admission a = admit(new Charge("app-1", q, 100));
        settle(a, 5, 1200);
        final Admission next = admit(new Charge("app-1", q, 0));
        assertThat(next.allowed()).isFalse();
        assertThat(next.quotas().get(0).used()).isEqualTo(1200);
        assertThat(next.quotas().get(0).remaining()).isZero();
    }

    @Test
    void settlement_countsEachMetricFromItsOwnTokens() {
        final Quota in = tokens(Metric.INPUT_TOKENS, 1000, Type.CALENDAR);
        final Quota out = tokens(Metric.OUTPUT_TOKENS, 1000, Type.CALENDAR);
        final Quota total = tokens(Metric.TOTAL_TOKENS, 1000, Type.CALENDAR);
        final Quota reqs = requests(1000, Quota.TimeUnit.MINUTE, Type.CALENDAR);
        final Admission a = admit(new Charge("k", in, 50), new Charge("k", out, 100), new Charge("k", total, 150),
                                  new Charge("k", reqs, 1));
        assertThat(a.reservation().held()).hasSize(3);
        settle(a, 30, 7);
        final Admission b = admit(new Charge("k", in, 0), new Charge("k", out, 0), new Charge("k", total, 0),
                                  new Charge("k", reqs, 1));
        assertThat(b.quotas()).extracting(RateLimiter.QuotaState::used).containsExactly(30L, 7L, 37L, 2L);
    }

    @Test
    void settlement_happensOnce() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 1000, Type.CALENDAR);
        final Admission a = admit(new Charge("app-1", q, 500));
        settle(a, 0, 100);
        settle(a, 0, 900);
        assertThat(admit(new Charge("app-1", q, 0)).quotas().get(0).used()).isEqualTo(100);
    }

    @Test
    void settlement_afterTheWindowEndedLeavesTheNewWindowAlone() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 1000, Type.CALENDAR);
        final Admission a = admit(new Charge("app-1", q, 500));
        clock.advance(Duration.ofMinutes(1));
        assertThat(admit(new Charge("app-1", q, 300)).allowed()).isTrue();
        settle(a, 0, 900);
        assertThat(admit(new Charge("app-1", q, 0)).quotas().get(0).used()).isEqualTo(300);
    }

    @Test
    void settlement_inARollingWindowAdjustsTheBucketThatHeldIt() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 1000, Type.ROLLING_WINDOW);
        final Admission a = admit(new Charge("app-1", q, 800));
        clock.advance(Duration.ofSeconds(30));
        assertThat(admit(new Charge("app-1", q, 100)).allowed()).isTrue();
        settle(a, 10, 40);
        assertThat(admit(new Charge("app-1", q, 0)).quotas().get(0).used()).isEqualTo(150);
        // The settled 50 leave with their bucket, a minute after they were reserved.
        clock.advance(Duration.ofSeconds(31));
        assertThat(admit(new Charge("app-1", q, 0)).quotas().get(0).used()).isEqualTo(100);
    }

    @Test
    void aZeroCostRequestIsRefusedOnceTheBudgetIsSpent() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 100, Type.CALENDAR);
        assertThat(admit(new Charge("app-1", q, 0)).allowed()).isTrue();
        assertThat(admit(new Charge("app-1", q, 100)).allowed()).isTrue();
        assertThat(admit(new Charge("app-1", q, 0)).allowed()).isFalse();
    }

    @Test
    void aReservationThatFitsExactlyIsAllowed() {
        final Quota q = tokens(Metric.TOTAL_TOKENS, 100, Type.CALENDAR);
        assertThat(admit(new Charge("app-1", q, 100)).allowed()).isTrue();
        assertThat(admit(new Charge("app-1", q, 1)).allowed()).isFalse();
    }
}
