package dev.sluice.picker.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import dev.sluice.picker.flow.Admission.Outcome;

class FlowControllerTest {

    private final ManualScheduler time = new ManualScheduler();
    private final Map<String, Double> saturation = new ConcurrentHashMap<>();
    private final List<String> events = new ArrayList<>();
    private final FlowListener listener = new FlowListener() {
        @Override
        public void enqueued(String pool, int priority) {
            events.add("enqueued " + pool + ' ' + priority);
        }

        @Override
        public void completed(String pool, int priority, Admission admission) {
            events.add(admission.outcome().label() + ' ' + pool + ' ' + priority);
        }
    };

    private FlowController controller(int maxQueueSize, Duration maxWait) {
        return FlowController.builder(pool -> saturation.getOrDefault(pool, 0.0))
                             .scheduler(time).nanoTime(time).maxQueueSize(maxQueueSize).maxWait(maxWait)
                             .tick(Duration.ofMillis(10)).releasePerCheck(1).listener(listener).build();
    }

    private static Outcome outcome(CompletableFuture<Admission> f) {
        assertThat(f).isDone();
        return f.join().outcome();
    }

    @Test
    void admitsAtOnceWhenThePoolHasCapacity() {
        final FlowController fc = controller(10, Duration.ofSeconds(1));
        saturation.put("p", 0.99);
        final CompletableFuture<Admission> f = fc.admit("p", -5);
        assertThat(outcome(f)).isEqualTo(Outcome.ADMITTED);
        assertThat(f.join().waitedNanos()).isZero();
        assertThat(time.pending()).isZero(); // no timer while nothing waits
        assertThat(events).containsExactly("admitted p -5");
    }

    @Test
    void shedsSheddableRequestsWith429WhenSaturated() {
        final FlowController fc = controller(10, Duration.ofSeconds(1));
        saturation.put("p", 1.0);
        final Admission a = fc.admit("p", -1).join();
        assertThat(a.outcome()).isEqualTo(Outcome.SHED);
        assertThat(a.httpStatus()).isEqualTo(429);
        assertThat(a.outcome().message()).contains("sheddable");
        assertThat(fc.queueSize("p")).isZero();
        // Other pools are not affected; NaN saturation counts as saturated.
        assertThat(outcome(fc.admit("q", -1))).isEqualTo(Outcome.ADMITTED);
        saturation.put("q", Double.NaN);
        assertThat(outcome(fc.admit("q", -1))).isEqualTo(Outcome.SHED);
    }

    @Test
    void queuesByPriorityThenArrivalAndReleasesAsCapacityReturns() {
        final FlowController fc = controller(10, Duration.ofSeconds(5));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> low = fc.admit("p", 0);
        final CompletableFuture<Admission> high = fc.admit("p", 7);
        final CompletableFuture<Admission> low2 = fc.admit("p", 0);
        final CompletableFuture<Admission> mid = fc.admit("p", 3);
        assertThat(List.of(low, high, low2, mid)).noneMatch(CompletableFuture::isDone);
        assertThat(fc.queueSize("p")).isEqualTo(4);
        assertThat(fc.queueSizes()).isEqualTo(Map.of("p", Map.of(0, 2, 3, 1, 7, 1)));
        time.advance(Duration.ofMillis(50));
        assertThat(fc.oldestWait("p")).isEqualTo(Duration.ofMillis(50));
        assertThat(List.of(low, high, low2, mid)).noneMatch(CompletableFuture::isDone);

        saturation.put("p", 0.5);
        fc.onFinished("p"); // one request finished: one goes (releasePerCheck 1)
        assertThat(outcome(high)).isEqualTo(Outcome.ADMITTED);
        assertThat(high.join().waitedNanos()).isEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(mid).isNotDone();
        time.advance(Duration.ofMillis(10)); // the tick releases the next
        assertThat(outcome(mid)).isEqualTo(Outcome.ADMITTED);
        assertThat(low).isNotDone();
        time.advance(Duration.ofMillis(10));
        assertThat(outcome(low)).isEqualTo(Outcome.ADMITTED);
        assertThat(low2).isNotDone();
        time.advance(Duration.ofMillis(10));
        assertThat(outcome(low2)).isEqualTo(Outcome.ADMITTED);
        assertThat(fc.queueSize("p")).isZero();
        time.advance(Duration.ofMillis(100));
        assertThat(time.pending()).isZero(); // the tick stops when the queues are empty
    }

    @Test
    void newcomersQueueBehindWaitingRequestsEvenWithCapacity() {
        final FlowController fc = controller(10, Duration.ofSeconds(5));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> first = fc.admit("p", 0);
        saturation.put("p", 0.0);
        final CompletableFuture<Admission> second = fc.admit("p", 0);
        // Queuing the second checks the pool: the first (head) goes, the second waits for the next check.
        assertThat(outcome(first)).isEqualTo(Outcome.ADMITTED);
        assertThat(second).isNotDone();
        time.advance(Duration.ofMillis(10));
        assertThat(outcome(second)).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void timesOutWith503AfterTheLongestWait() {
        final FlowController fc = controller(10, Duration.ofMillis(100));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> f = fc.admit("p", 2);
        time.advance(Duration.ofMillis(90));
        final CompletableFuture<Admission> later = fc.admit("p", 2);
        assertThat(f).isNotDone();
        time.advance(Duration.ofMillis(10));
        final Admission a = f.join();
        assertThat(a.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(a.httpStatus()).isEqualTo(503);
        assertThat(a.waitedNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(later).isNotDone();
        time.advance(Duration.ofMillis(100));
        assertThat(outcome(later)).isEqualTo(Outcome.TIMED_OUT);
        assertThat(events).containsExactly("enqueued p 2", "enqueued p 2", "timed_out p 2", "timed_out p 2");
    }

    @Test
    void rejectsWith503WhenTheQueueIsFullUnlessTheNewcomerOutranksTheLowest() {
        final FlowController fc = controller(2, Duration.ofSeconds(5));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> a = fc.admit("p", 1);
        final CompletableFuture<Admission> b = fc.admit("p", 0);
        final CompletableFuture<Admission> rejected = fc.admit("p", 0);
        assertThat(outcome(rejected)).isEqualTo(Outcome.QUEUE_FULL);
        assertThat(rejected.join().httpStatus()).isEqualTo(503);
        final CompletableFuture<Admission> urgent = fc.admit("p", 5);
        assertThat(outcome(b)).isEqualTo(Outcome.QUEUE_FULL); // displaced
        assertThat(a).isNotDone();
        assertThat(urgent).isNotDone();
        assertThat(fc.queueSizes()).isEqualTo(Map.of("p", Map.of(1, 1, 5, 1)));
        assertThat(outcome(controller(0, Duration.ofSeconds(1)).admit("p", 9))).isEqualTo(Outcome.QUEUE_FULL);
    }

    @Test
    void cancellingTheFutureLeavesTheQueue() {
        final FlowController fc = controller(10, Duration.ofSeconds(5));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> gone = fc.admit("p", 0);
        final CompletableFuture<Admission> stays = fc.admit("p", 0);
        gone.cancel(false);
        assertThat(fc.queueSize("p")).isEqualTo(1);
        assertThat(events).contains("cancelled p 0");
        saturation.put("p", 0.0);
        fc.onFinished("p");
        assertThat(outcome(stays)).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void closingAnswersEveryWaiter() {
        final FlowController fc = controller(10, Duration.ofSeconds(5));
        saturation.put("p", 1.0);
        final CompletableFuture<Admission> f = fc.admit("p", 0);
        fc.close();
        assertThat(outcome(f)).isEqualTo(Outcome.CLOSED);
        assertThat(outcome(fc.admit("p", 0))).isEqualTo(Outcome.CLOSED);
    }

    @Test
    void validatesSettings() {
        final FlowController.Builder b = FlowController.builder(p -> 0);
        assertThatThrownBy(() -> b.maxQueueSize(-1)).hasMessage("maxQueueSize: -1 (expected: >= 0)");
        assertThatThrownBy(() -> b.maxWait(Duration.ZERO)).hasMessage("maxWait: PT0S (expected: > 0)");
        assertThatThrownBy(() -> b.releasePerCheck(0)).hasMessage("releasePerCheck: 0 (expected: >= 1)");
    }
}
