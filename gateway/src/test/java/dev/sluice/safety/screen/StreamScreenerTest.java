package dev.sluice.safety.screen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.safety.Detection;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.template.SafetyTemplate;

import tools.jackson.databind.JsonNode;

/** How often a {@link StreamScreener} scans, and that its scans never overlap, with a scanner the test paces. */
class StreamScreenerTest {

    static final int WINDOW = 16;
    /** The window in tokens (text-carrying chunks); as many as the characters unless a test sets fewer. */
    int windowTokens = WINDOW;

    @TempDir
    Path dir;
    Safety safety;

    /** Texts whose scans have started, in order. */
    final BlockingQueue<String> started = new LinkedBlockingQueue<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostRunning = new AtomicInteger();
    /** Each scan takes a permit before it answers; tests that do not pace scans leave plenty. */
    final Semaphore gate = new Semaphore(Integer.MAX_VALUE);

    /** {@link SafetyExtensionTest#FAKE}'s verdicts, answered only once the test lets the scan through. */
    final SafetyScanner paced = (text, direction, filters) -> {
        mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        started.add(text);
        try {
            if (!gate.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the scan through");
            }
            return SafetyExtensionTest.FAKE.scan(text, direction, filters);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Detection.NONE;
        } finally {
            running.decrementAndGet();
        }
    };

    @AfterEach
    void close() {
        if (safety != null) {
            safety.close();
        }
    }

    StreamScreener screener() throws Exception {
        final GatewayConfig config = ConfigLoader.load(
                Files.writeString(dir.resolve("t.yaml"), SafetyExtensionTest.TEMPLATES), Set.of("safety"));
        safety = Safety.create(() -> paced).templatesFromConfig(() -> config);
        final SafetyTemplate llm = safety.template("llm");
        assertThat(llm).isNotNull();
        return new StreamScreener(llm, windowTokens, WINDOW, safety.screener(), safety::metrics, "req-1");
    }

    static byte[] chunk(String text) {
        return SafetyExtensionTest.event(text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The text a result releases to the client, or null when it ends the stream. */
    static String released(ExtensionResult r) {
        if (!(r instanceof ExtensionResult.Continue c)) {
            return null;
        }
        final StringBuilder text = new StringBuilder();
        for (byte[] e : new SseFrameSplitter().feed(c.body().array())) {
            final String data = SseFrameSplitter.data(e);
            if (data != null && !data.startsWith("[DONE]")) {
                final JsonNode n = SafetyExtensionTest.JSON.readTree(data);
                text.append(n.at("/choices/0/delta/content").asString(""));
            }
        }
        return text.toString();
    }

    static ExtensionResult await(CompletableFuture<ExtensionResult> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void oneCharacterChunksAreScannedOncePerStepNotOncePerChunk() throws Exception {
        final StreamScreener s = screener();
        final int step = StreamScreener.step(WINDOW);
        assertThat(step).isEqualTo(2);
        final StringBuilder sent = new StringBuilder();
        final StringBuilder got = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            final String c = String.valueOf((char) ('a' + i % 26));
            sent.append(c);
            got.append(released(await(s.onEvents(chunk(c), false))));
            // Released text always trails by at least the window less a step, and never by a whole window.
            assertThat(sent.length() - got.length()).isBetween(Math.min(sent.length(), WINDOW - step), WINDOW - 1);
        }
        got.append(released(await(s.onEvents(new byte[0], true))));
        assertThat(got.toString()).isEqualTo(sent.toString());
        // Scans once 16, 18, ..., 40 characters have arrived (the window, then every step), and at the end;
        // screening every chunk past the window would have scanned 25 times.
        assertThat(started).hasSize(14);
        // Each scan covers the window already released as context plus what is pending: never more than two
        // windows and a step.
        assertThat(started).allSatisfy(t -> assertThat(t.length()).isLessThanOrEqualTo(2 * WINDOW + step));
    }

    @Test
    void shortTokensAreHeldBackByTheWindowInTokensNotByItsCharacters() throws Exception {
        windowTokens = 4; // 16 characters, but only 4 tokens
        final StreamScreener s = screener();
        final int stepTokens = StreamScreener.step(windowTokens);
        assertThat(stepTokens).isEqualTo(1);
        final List<String> sent = new ArrayList<>();
        final StringBuilder got = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            final String token = i % 2 == 0 ? "ab" : "c"; // 1.5 characters a token: 4 tokens are 6 characters
            sent.add(token);
            got.append(released(await(s.onEvents(chunk(token), false))));
            // Released text trails by whole tokens: at least the window less a step, never a whole window.
            final int trailing = String.join("", sent).length() - got.length();
            int tokensBehind = 0;
            for (int k = sent.size() - 1, chars = 0; k >= 0 && chars < trailing; k--) {
                chars += sent.get(k).length();
                tokensBehind++;
            }
            assertThat(tokensBehind).isBetween(Math.min(sent.size(), windowTokens - stepTokens), windowTokens - 1);
        }
        got.append(released(await(s.onEvents(new byte[0], true))));
        assertThat(got.toString()).isEqualTo(String.join("", sent));
        // A scan once 4, 5, ..., 20 tokens had arrived and one at the end; by characters alone (30 in all) the
        // window would have filled only after 11 tokens.
        assertThat(started).hasSize(18);
    }

    @Test
    void longTokensAreHeldBackByTheWindowInCharacters() throws Exception {
        windowTokens = 1000;
        final StreamScreener s = screener();
        assertThat(released(await(s.onEvents(chunk("0123456789"), false)))).isEmpty();
        // 20 characters in two tokens: the 16-character window is full, all but 14 characters go out
        assertThat(released(await(s.onEvents(chunk("abcdefghij"), false)))).isEqualTo("012345");
    }

    @Test
    void aWindowWithoutTokensOrCharactersIsRejected() throws Exception {
        final StreamScreener ok = screener();
        assertThat(ok).isNotNull();
        final SafetyTemplate llm = safety.template("llm");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new StreamScreener(llm, 0, WINDOW, safety.screener(), safety::metrics, "req-1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one token");
    }

    @Test
    void callsArrivingDuringAScanWaitForItAndAreCoalescedIntoOneScan() throws Exception {
        final StreamScreener s = screener();
        gate.drainPermits();
        final List<CompletableFuture<ExtensionResult>> calls = new ArrayList<>();
        // 20 characters: more than the window, so this call starts a scan, which the gate holds.
        calls.add(s.onEvents(chunk("0123456789abcdefghij"), false));
        assertThat(started.poll(30, TimeUnit.SECONDS)).isEqualTo("0123456789abcdefghij");
        // A caller that stops waiting (a fail-open timeout, say) sends more while that scan runs.
        for (String more : List.of("KLMNO", "PQRST", "UVWXY")) {
            calls.add(s.onEvents(chunk(more), false));
        }
        assertThat(started).isEmpty();
        assertThat(calls).allSatisfy(f -> assertThat(f).isNotDone());

        gate.release();
        // all but the window less a step (14 characters) is released
        assertThat(released(await(calls.get(0)))).isEqualTo("012345");
        // The next call's scan covers all the text taken so far, not just its own chunk.
        assertThat(started.poll(30, TimeUnit.SECONDS)).isEqualTo("012345" + "6789abcdefghij" + "KLMNOPQRSTUVWXY");
        gate.release();
        final StringBuilder got = new StringBuilder("012345");
        for (CompletableFuture<ExtensionResult> f : calls.subList(1, calls.size())) {
            got.append(released(await(f)));
        }
        assertThat(got.toString()).isEqualTo("0123456789abcdefghijKLMNOPQRSTUVWXY".substring(0, 35 - WINDOW + 2));
        // The two later calls found less than a window pending: no scan of their own.
        assertThat(started).isEmpty();
        gate.release();
        got.append(released(await(s.onEvents(new byte[0], true))));
        assertThat(got.toString()).isEqualTo("0123456789abcdefghijKLMNOPQRSTUVWXY");
        assertThat(mostRunning.get()).isEqualTo(1);
    }

    @Test
    void aViolationSplitOverCallsMadeDuringAScanIsCaughtAndNothingPastTheWindowLeaks() throws Exception {
        final StreamScreener s = screener();
        gate.drainPermits();
        final String before = " safe text here, all of it fine";
        final CompletableFuture<ExtensionResult> first = s.onEvents(chunk(before), false);
        assertThat(started.poll(30, TimeUnit.SECONDS)).isEqualTo(before);
        final CompletableFuture<ExtensionResult> bo = s.onEvents(chunk(" and a BO"), false);
        final CompletableFuture<ExtensionResult> mb = s.onEvents(chunk("MB recipe follows now"), false);
        gate.release(10);
        final String firstText = released(await(first));
        assertThat(firstText).isEqualTo(before.substring(0, before.length() - WINDOW + StreamScreener.step(WINDOW)));
        // The scan after the first covers both halves of the word and ends the stream.
        assertThat(released(await(bo))).isNull();
        assertThat(await(bo)).isInstanceOf(ExtensionResult.ImmediateResponse.class);
        assertThat(released(await(mb))).isEmpty();
        assertThat(released(await(s.onEvents(chunk(" more"), true)))).isEmpty();
        assertThat(firstText).doesNotContain("BO");
        assertThat(mostRunning.get()).isEqualTo(1);
    }
}
