package dev.sluice.apim.limit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * A {@link RateLimiter} whose counters live in Redis, so that every gateway replica sharing that Redis enforces the
 * same limits exactly. Each decision is one {@code EVALSHA} of one Lua script ({@code limiter.lua}) that reads and
 * charges the spike arrest and every quota of the request atomically (falling back to {@code EVAL} when Redis
 * answers {@code NOSCRIPT}, for example after a restart wiped its script cache); a settlement is one more call, made
 * only when a reservation's window still counts and its amount changes.
 *
 * <p>The semantics are the {@link InMemoryRateLimiter}'s, held to the same contract test: calendar windows as in
 * {@link Windows}, rolling windows as buckets in one hash per counter, spike arrest as a theoretical arrival time.
 * Every key gets a {@code PEXPIRE} (the window's remaining length plus a grace), so Redis does not grow.
 *
 * <p><b>Time comes from the gateway</b>: the injected clock's time is an argument of the script; Redis {@code TIME}
 * is not used. Tests can thus drive a shared limiter with a manual clock, and a decision does not depend on which
 * replica's clock Redis agrees with. The price is that replicas whose clocks differ by {@code δ} see calendar
 * boundaries {@code δ} apart (each window is still counted exactly, but two windows overlap for {@code δ}) and
 * space spike-arrested requests up to {@code δ} unevenly; a rolling count also counts buckets written by a replica
 * ahead of this one, so skew never lets a rolling quota undercount. Keep replica clocks in sync (NTP).
 *
 * <p><b>Failures</b>: a decision that Redis does not answer within the timeout (or at all, while disconnected, when
 * commands are rejected at once rather than queued) fails <em>open</em> (the request goes on, uncounted) or
 * <em>closed</em> (the admission fails with {@link RateLimiterUnavailableException}, which the extension answers
 * with a 503 fault), as configured. Failures are counted in {@link LimiterMetrics}, logged at most once per
 * {@link #LOG_INTERVAL}, and recovery needs nothing: Lettuce reconnects by itself (the first connection too, retried
 * by this class when Redis was down at startup) and the script is reloaded by the {@code NOSCRIPT} fallback.
 * Settlements that fail are dropped: the reservation then stands, which errs towards refusing.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);

    /** The {@code backend} label of this limiter's metrics. */
    public static final String BACKEND = "redis";
    /** Failures are logged at most once per this interval (with a count of those not logged). */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
    /** How long a key outlives its window: covers replica clock skew at window boundaries. */
    private static final long GRACE_MILLIS = 60_000;
    /** How long a spike arrest key outlives the next allowed arrival. */
    private static final long SPIKE_GRACE_MILLIS = 1_000;
    /** Between two attempts of a first connection that failed. */
    private static final long CONNECT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** One more slot than a rolling window has buckets, as {@link InMemoryRateLimiter} keeps. */
    private static final int ROLLING_SLOTS = Windows.ROLLING_BUCKETS + 1;

    static final String SCRIPT = loadScript();

    /** What to do when Redis cannot decide in time. */
    public enum FailureMode {
        /** Admit the request uncounted. */
        OPEN,
        /** Refuse the request with a 503 fault. */
        CLOSED;

        /** Returns the mode named {@code open} or {@code closed}. */
        public static FailureMode ofConfigName(String name) {
            return switch (name.strip().toLowerCase(Locale.ROOT)) {
                case "open" -> OPEN;
                case "closed" -> CLOSED;
                default -> throw new IllegalArgumentException("failure mode: " + name +
                                                              " (expected: open or closed)");
            };
        }
    }

    private final Clock clock;
    private final RedisURI uri;
    private final String keyPrefix;
    private final FailureMode failureMode;
    private final Duration timeout;
    private final LimiterMetrics metrics;
    private final ClientResources resources;
    private final RedisClient client;
    private final String sha;
    private final AtomicReference<@Nullable StatefulRedisConnection<String, String>> connection =
            new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicLong nextConnectAttempt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong nextLog = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong unlogged = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile boolean closed;

    private RedisRateLimiter(Builder b) {
        clock = b.clock;
        uri = b.uri;
        keyPrefix = b.keyPrefix;
        failureMode = b.failureMode;
        timeout = b.timeout;
        metrics = b.metrics;
        // Reconnect fast: a limiter that fails open or closed should not stay so for Lettuce's default 30 s backoff.
        resources = ClientResources.builder()
                                   .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1),
                                                                     2, TimeUnit.MILLISECONDS))
                                   .build();
        client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                                       .autoReconnect(true)
                                       // While disconnected, fail at once instead of queueing to the timeout.
                                       .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                                       .timeoutOptions(TimeoutOptions.enabled(timeout))
                                       .socketOptions(SocketOptions.builder()
                                                                   .connectTimeout(Duration.ofSeconds(2))
                                                                   .keepAlive(true).tcpNoDelay(true).build())
                                       .build());
        sha = digest(SCRIPT);
        metrics.backend(BACKEND, this::isConnected);
        // Give the first connection a moment so that the first requests find it; if Redis is down, go on (the
        // limiter fails open or closed and keeps trying to connect).
        try {
            connectAsync().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Recorded by connectAsync; retried on the next decision.
        }
    }

    /** Returns a builder for a limiter on the Redis at {@code uri} ({@code redis://host:port/db}, or rediss://). */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /** Returns whether the connection to Redis is up now. */
    public boolean isConnected() {
        final StatefulRedisConnection<String, String> c = connection.get();
        return c != null && c.isOpen();
    }

    /** Returns the failure mode. */
    public FailureMode failureMode() {
        return failureMode;
    }

    /* ------------------------------------------------------------------------------------------ admit */

    @Override
    public CompletableFuture<Admission> admit(AdmissionRequest request) {
        requireNonNull(request, "request");
        final Instant now = clock.instant();
        final long nowMillis = now.toEpochMilli();
        final long nowMicros = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L),
                                             now.getNano() / 1000);
        final SpikeCheck spike = request.spikeArrest();
        final List<Charge> charges = request.charges();
        final List<String> keys = new ArrayList<>(charges.size() + 1);
        final List<String> args = new ArrayList<>(7 + charges.size() * 6);
        args.add("admit");
        args.add(Long.toString(nowMillis));
        args.add(Long.toString(nowMicros));
        if (spike != null) {
            keys.add(keyPrefix + "s:{" + spike.counter() + "}:" + spike.rate());
            args.add("1");
            args.add(Long.toString(spike.rate().intervalMicros()));
        } else {
            args.add("0");
            args.add("0");
        }
        args.add(Long.toString(SPIKE_GRACE_MILLIS));
        args.add(Integer.toString(charges.size()));
        final long[] windows = new long[charges.size()];
        for (int i = 0; i < charges.size(); i++) {
            final Charge c = charges.get(i);
            final Quota q = c.quota();
            if (q.type() == Quota.Type.CALENDAR) {
                final long start = Windows.calendarStart(q, nowMillis);
                final long end = Windows.calendarEnd(q, start);
                windows[i] = start;
                keys.add(calendarKey(c.counter(), q, start));
                args.add("c");
                args.add(Long.toString(q.limit()));
                args.add(Long.toString(c.cost()));
                args.add(Long.toString(end - nowMillis + GRACE_MILLIS));
                args.add("0");
                args.add("0");
            } else {
                final long bucket = Windows.bucketIndex(q, nowMillis);
                windows[i] = bucket;
                keys.add(rollingKey(c.counter(), q));
                args.add("r");
                args.add(Long.toString(q.limit()));
                args.add(Long.toString(c.cost()));
                args.add(Long.toString(Windows.lengthMillis(q) + Windows.bucketMillis(q) + GRACE_MILLIS));
                args.add(Long.toString(bucket));
                args.add(Integer.toString(ROLLING_SLOTS));
            }
        }
        final long started = System.nanoTime();
        return eval(keys, args).handle((reply, error) -> {
            metrics.duration(BACKEND, System.nanoTime() - started);
            if (error != null) {
                return failed(error, "decision");
            }
            recovered();
            final Admission a = admission(request, windows, nowMillis, reply);
            metrics.decision(BACKEND, a.allowed() ? "allowed" : "refused");
            return CompletableFuture.completedFuture(a);
        }).thenCompose(f -> f);
    }

    private Admission admission(AdmissionRequest request, long[] windows, long nowMillis, List<Object> reply) {
        final boolean allowed = number(reply.get(0)) == 1;
        final int violation = (int) number(reply.get(1));
        final List<Charge> charges = request.charges();
        final List<QuotaState> states = new ArrayList<>(charges.size());
        final List<Long> resets = new ArrayList<>(charges.size());
        for (int i = 0; i < charges.size(); i++) {
            final Charge c = charges.get(i);
            final long used = number(reply.get(3 + 2 * i));
            final long reset;
            if (c.quota().type() == Quota.Type.CALENDAR) {
                reset = Windows.calendarEnd(c.quota(), windows[i]);
            } else {
                final long oldest = number(reply.get(4 + 2 * i));
                // The oldest counted bucket stops counting once the current bucket is ROLLING_SLOTS past it.
                reset = oldest < 0 ? nowMillis : (oldest + ROLLING_SLOTS) * Windows.bucketMillis(c.quota());
            }
            resets.add(reset);
            states.add(new QuotaState(c, used, Math.max(0, c.quota().limit() - used), Instant.ofEpochMilli(reset)));
        }
        if (!allowed) {
            final Violation v;
            if (violation == 0) {
                v = new Violation(null, Duration.ofNanos(number(reply.get(2)) * 1000));
            } else {
                final int i = violation - 1;
                v = new Violation(charges.get(i), Duration.ofMillis(Math.max(0, resets.get(i) - nowMillis)));
            }
            return new Admission(v, states, Reservation.none());
        }
        final List<Held> held = new ArrayList<>();
        for (int i = 0; i < charges.size(); i++) {
            final Charge c = charges.get(i);
            if (c.quota().metric().isTokens()) {
                held.add(new Held(c.counter(), c.quota(), windows[i], c.cost()));
            }
        }
        return new Admission(null, states, new Reservation(held));
    }

    /* ------------------------------------------------------------------------------------------ settle */

    @Override
    public CompletableFuture<Void> settle(Reservation reservation, long inputTokens, long outputTokens) {
        requireNonNull(reservation, "reservation");
        if (!reservation.markSettled() || reservation.held().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        final long nowMillis = clock.millis();
        final List<String> keys = new ArrayList<>();
        final List<String> args = new ArrayList<>();
        args.add("settle");
        args.add("0");
        for (Held h : reservation.held()) {
            final Quota q = h.quota();
            final long delta = q.metric().cost(Math.max(0, inputTokens), Math.max(0, outputTokens)) - h.amount();
            if (delta == 0) {
                continue;
            }
            if (q.type() == Quota.Type.CALENDAR) {
                // A window that has ended no longer counts: leave the new one alone.
                if (Windows.calendarStart(q, nowMillis) != h.window()) {
                    continue;
                }
                keys.add(calendarKey(h.counter(), q, h.window()));
                args.add("c");
                args.add(Long.toString(delta));
                args.add("0");
            } else {
                final long current = Windows.bucketIndex(q, nowMillis);
                if (h.window() <= current - ROLLING_SLOTS) {
                    continue;
                }
                keys.add(rollingKey(h.counter(), q));
                args.add("r");
                args.add(Long.toString(delta));
                args.add(Long.toString(h.window()));
            }
        }
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        args.set(1, Integer.toString(keys.size()));
        return eval(keys, args).handle((reply, error) -> {
            if (error != null) {
                record(error, "settlement");
            } else {
                recovered();
            }
            return null;
        });
    }

    /* ------------------------------------------------------------------------------------------ Redis */

    private String calendarKey(String counter, Quota q, long windowStart) {
        return keyPrefix + "c:{" + counter + "}:" + q.signature() + ':' + windowStart;
    }

    private String rollingKey(String counter, Quota q) {
        return keyPrefix + "r:{" + counter + "}:" + q.signature();
    }

    /** Runs the script by digest, loading it with {@code EVAL} when Redis does not know it (first use, restart). */
    private CompletableFuture<List<Object>> eval(List<String> keys, List<String> args) {
        final StatefulRedisConnection<String, String> c = connection.get();
        if (c == null) {
            connectAsync();
            return CompletableFuture.failedFuture(new RedisConnectionException("not connected to " + uri));
        }
        final RedisAsyncCommands<String, String> cmd = c.async();
        final String[] k = keys.toArray(String[]::new);
        final String[] a = args.toArray(String[]::new);
        final CompletableFuture<List<Object>> bySha =
                cmd.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, k, a).toCompletableFuture();
        return bySha.exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                                               ? cmd.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, k, a)
                                                    .toCompletableFuture()
                                               : CompletableFuture.failedFuture(e));
    }

    /**
     * Starts a first connection unless one exists, one is being made, or the last attempt was too recent; Lettuce
     * reconnects an established connection by itself, but not one that never came up.
     */
    private CompletableFuture<?> connectAsync() {
        if (closed || connection.get() != null) {
            return CompletableFuture.completedFuture(null);
        }
        final long now = System.nanoTime();
        final long next = nextConnectAttempt.get();
        if (now - next < 0 && next != Long.MIN_VALUE || !connecting.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        nextConnectAttempt.set(now + CONNECT_RETRY_NANOS);
        return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().whenComplete((c, error) -> {
            connecting.set(false);
            if (error != null) {
                record(error, "connection");
                return;
            }
            if (closed || !connection.compareAndSet(null, c)) {
                c.closeAsync();
            }
        });
    }

    private CompletableFuture<Admission> failed(Throwable error, String what) {
        record(error, what);
        if (failureMode == FailureMode.OPEN) {
            metrics.decision(BACKEND, "failed_open");
            return CompletableFuture.completedFuture(new Admission(null, List.of(), Reservation.none()));
        }
        metrics.decision(BACKEND, "failed_closed");
        return CompletableFuture.failedFuture(new RateLimiterUnavailableException(
                "the rate limiter's Redis at " + uri.getHost() + ':' + uri.getPort() + " did not answer: " +
                unwrap(error).getMessage(), unwrap(error)));
    }

    private void record(Throwable error, String what) {
        final Throwable e = unwrap(error);
        final LimiterMetrics.ErrorKind kind;
        if (e instanceof RedisCommandTimeoutException || e instanceof TimeoutException) {
            kind = LimiterMetrics.ErrorKind.TIMEOUT;
        } else if (e instanceof RedisConnectionException || e instanceof IOException ||
                   e instanceof RedisException && e.getMessage() != null &&
                   e.getMessage().contains("not connected")) {
            kind = LimiterMetrics.ErrorKind.UNAVAILABLE;
        } else if (e instanceof RedisException && e.getMessage() != null && e.getMessage().startsWith("ERR")) {
            kind = LimiterMetrics.ErrorKind.SCRIPT;
        } else {
            kind = LimiterMetrics.ErrorKind.OTHER;
        }
        metrics.error(BACKEND, kind);
        failing.set(true);
        final long now = System.nanoTime();
        final long next = nextLog.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) &&
            nextLog.compareAndSet(next, now + LOG_INTERVAL.toNanos())) {
            final long skipped = unlogged.getAndSet(0);
            logger.warn("rate limiter: Redis {}:{} failed a {} ({}: {}); failing {}{}", uri.getHost(), uri.getPort(),
                        what, kind.name().toLowerCase(Locale.ROOT), e.getMessage(),
                        failureMode.name().toLowerCase(Locale.ROOT),
                        skipped > 0 ? " (" + skipped + " more failures since the last report)" : "");
        } else {
            unlogged.incrementAndGet();
        }
    }

    private void recovered() {
        if (failing.compareAndSet(true, false)) {
            logger.info("rate limiter: Redis {}:{} answers again", uri.getHost(), uri.getPort());
            nextLog.set(Long.MIN_VALUE);
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static long number(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalStateException("unexpected reply from the limiter script: " + o);
    }

    private static String loadScript() {
        try (InputStream in = RedisRateLimiter.class.getResourceAsStream("limiter.lua")) {
            if (in == null) {
                throw new IllegalStateException("limiter.lua missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String digest(String script) {
        try {
            final byte[] d = java.security.MessageDigest.getInstance("SHA-1")
                                                        .digest(script.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        final StatefulRedisConnection<String, String> c = connection.getAndSet(null);
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Builds a {@link RedisRateLimiter}. */
    public static final class Builder {
        private final RedisURI uri;
        private Clock clock = Clock.systemUTC();
        private String keyPrefix = "sluice:apim:";
        private FailureMode failureMode = FailureMode.OPEN;
        private Duration timeout = Duration.ofMillis(50);
        private LimiterMetrics metrics = new LimiterMetrics();

        private Builder(String uri) {
            requireNonNull(uri, "uri");
            try {
                this.uri = RedisURI.create(uri);
            } catch (RuntimeException e) {
                // The URI may hold a password: show it without its user info.
                throw new IllegalArgumentException("rateLimiter: " + uri.replaceFirst("//[^/@]*@", "//") +
                                                   " (expected: a Redis URI such as redis://127.0.0.1:6379/0)", e);
            }
        }

        /** Sets the clock decisions are made on (default: the system UTC clock). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Sets the prefix of every key (default {@code sluice:apim:}); gateways with one prefix share counts. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /** Sets what happens when Redis cannot decide in time (default: open). */
        public Builder failureMode(FailureMode failureMode) {
            this.failureMode = requireNonNull(failureMode, "failureMode");
            return this;
        }

        /** Sets how long one decision may take (default 50 ms). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        /** Sets where decisions and failures are counted. */
        public Builder metrics(LimiterMetrics metrics) {
            this.metrics = requireNonNull(metrics, "metrics");
            return this;
        }

        public RedisRateLimiter build() {
            return new RedisRateLimiter(this);
        }
    }
}
