package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Batching, bounds under a slow store, retries, and the flush on close, against an in-memory store. */
class AnalyticsWriterTest {

    /** A store that keeps records in a list, and can be held or made to fail. */
    static final class FakeStore implements AnalyticsStore {
        final List<AnalyticsRecord> records = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger transientFailures = new AtomicInteger();
        final AtomicInteger permanentFailures = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public void append(List<AnalyticsRecord> batch) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AnalyticsStoreException("interrupted", e, true);
            }
            if (transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new AnalyticsStoreException("database is locked", new RuntimeException(), true);
            }
            if (permanentFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new AnalyticsStoreException("no such table", new RuntimeException(), false);
            }
            batchSizes.add(batch.size());
            records.addAll(batch);
        }

        @Override
        public List<AnalyticsQuery.Row> summarize(AnalyticsQuery query) {
            return List.of();
        }

        @Override
        public List<AnalyticsRecord> records(AnalyticsQuery query, int limit) {
            return List.copyOf(records);
        }

        @Override
        public void close() {}
    }

    static AnalyticsRecord rec(int i) {
        return new AnalyticsRecord("id-" + i, Instant.EPOCH.plusSeconds(i), "req-" + i, null, null, null, null, null,
                                   null, null, 200, 1, 1, 1, 1, 0, 1, 1, null);
    }

    static AnalyticsWriter.Options options(int capacity, int batch, Duration interval, Duration offer) {
        return new AnalyticsWriter.Options(capacity, batch, interval, offer, Duration.ofSeconds(20));
    }

    @Test
    void recordsAreWrittenInBatchesNoLargerThanTheBatchSize() throws Exception {
        final FakeStore store = new FakeStore();
        store.gate = new CountDownLatch(1);
        final AnalyticsWriter w = new AnalyticsWriter(store, options(1000, 10, Duration.ofMillis(50),
                                                                     Duration.ZERO));
        for (int i = 0; i < 95; i++) {
            assertThat(w.submit(rec(i))).isTrue();
        }
        store.gate.countDown();
        assertThat(w.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(store.records).hasSize(95);
        assertThat(store.batchSizes).allMatch(n -> n <= 10);
        // Held back, the queue filled up: most batches are full.
        assertThat(store.batchSizes.stream().filter(n -> n == 10).count()).isGreaterThanOrEqualTo(8);
        w.close();
    }

    @Test
    void aSlowStoreBoundsMemory_andDropsAreCounted() throws Exception {
        final FakeStore store = new FakeStore();
        store.gate = new CountDownLatch(1);
        final AnalyticsWriter w = new AnalyticsWriter(store, options(20, 5, Duration.ofMillis(10),
                                                                     Duration.ofMillis(1)));
        int accepted = 0;
        for (int i = 0; i < 100; i++) {
            if (w.submit(rec(i))) {
                accepted++;
            }
        }
        // The writer holds at most one batch plus a full queue; the rest is dropped and counted.
        assertThat(w.pending()).isLessThanOrEqualTo(20);
        assertThat(accepted).isBetween(20, 25);
        assertThat(w.dropped()).isEqualTo(100 - accepted);
        store.gate.countDown();
        w.close();
        assertThat(store.records).hasSize(accepted);
        assertThat(w.written()).isEqualTo(accepted);
    }

    @Test
    void transientFailuresAreRetriedUntilWritten() throws Exception {
        final FakeStore store = new FakeStore();
        store.transientFailures.set(3);
        final AnalyticsWriter w = new AnalyticsWriter(store, options(100, 10, Duration.ofMillis(10),
                                                                     Duration.ZERO));
        w.submit(rec(1));
        assertThat(w.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(store.records).containsExactly(rec(1));
        assertThat(w.dropped()).isZero();
        w.close();
    }

    @Test
    void aBatchThatKeepsFailingPermanentlyIsDroppedAndCounted() throws Exception {
        final FakeStore store = new FakeStore();
        store.permanentFailures.set(AnalyticsWriter.PERMANENT_RETRIES + 1);
        final AnalyticsWriter w = new AnalyticsWriter(store, options(100, 10, Duration.ofMillis(10),
                                                                     Duration.ZERO));
        w.submit(rec(1));
        assertThat(w.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(w.dropped()).isEqualTo(1);
        w.submit(rec(2));
        assertThat(w.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(store.records).containsExactly(rec(2));
        w.close();
    }

    @Test
    void closeWaitsForAnnouncedRecordsAndWritesEverything() throws Exception {
        final FakeStore store = new FakeStore();
        // A long flush interval: only close() makes the writer write now.
        final AnalyticsWriter w = new AnalyticsWriter(store, options(10_000, 500, Duration.ofMinutes(10),
                                                                     Duration.ZERO));
        for (int i = 0; i < 1000; i++) {
            w.submit(rec(i));
        }
        w.begin();
        final Thread late = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            w.complete(rec(5000));
        });
        late.start();
        w.close();
        late.join();
        assertThat(store.records).hasSize(1001).contains(rec(5000));
        assertThat(w.dropped()).isZero();
        // After close, records are refused and counted.
        assertThat(w.submit(rec(6000))).isFalse();
        assertThat(w.dropped()).isEqualTo(1);
    }
}
