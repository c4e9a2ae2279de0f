package dev.sluice.safety.screen;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;

import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.safety.Direction;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.detect.Deidentifier;
import dev.sluice.safety.template.SafetyTemplate;
import dev.sluice.safety.template.Sanitization;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Screens one streamed (SSE) response as it flows, releasing text to the client only once it has been screened.
 *
 * <p>The text of each chunk ({@code choices[0].delta.content}, or {@code choices[0].text} for completions) is
 * appended to a pending buffer. The hold-back window is a number of tokens, counted as the upstream chunks that carry
 * text (a streaming model server sends one per token, or one per few), and at most four characters a token, for
 * servers that pack many tokens into a chunk. Once a whole window is pending by either count, the pending text is
 * screened together with the last window of already released text (so a violation split across chunks or events is
 * seen whole), and all but the last window less a step (an eighth of the window) is released, re-emitted as one OpenAI
 * chunk of the same shape: the client never waits for more than a window, and the next scan comes a step later.
 * Screening every step rather than every chunk bounds the scans to about one per step whatever the chunk size. Events
 * without text (the role chunk, {@code finish_reason}, usage, {@code [DONE]}) keep their place behind the text before
 * them. At the end of the stream everything pending is screened and released.
 *
 * <p>On a violation the stream ends with the template's error as a {@code data:} event; released text had been
 * screened clean with everything that followed it up to a window less a step later, so a violation that short is
 * caught before any of it is released, and of a longer one nothing within that distance of its end reaches the
 * client. Each scan covers at most two windows plus a step and one upstream chunk, so the cost
 * grows linearly with the response. INSPECT_ONLY templates screen the same way and never cut the stream.
 *
 * <p>At most one scan per stream runs at a time: each call's events are read at once, but its screening step is
 * chained behind the previous call's, so a call that arrives while a scan runs (a caller that stopped waiting, for
 * example after a fail-open timeout) adds its text to the pending buffer and the next scan covers all of it. State
 * changes hold this object's lock; the scan itself runs without it.
 *
 * <p>A stream with more than one choice ({@code n > 1}) cannot be released choice by choice in order, so it is held
 * whole and screened once at the end.
 */
final class StreamScreener {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A queued piece of output: text from the pending buffer, or an event relayed as is. */
    private sealed interface Item permits Text, Raw {}

    private static final class Text implements Item {
        int chars;
        final long arrivedNanos;

        Text(int chars, long arrivedNanos) {
            this.chars = chars;
            this.arrivedNanos = arrivedNanos;
        }
    }

    private record Raw(byte[] event) implements Item {}

    private final SafetyTemplate template;
    /** The window in characters, and what stays pending after a release (the window less a step). */
    private final int window;
    private final int kept;
    /** The same two counted in text-carrying chunks (tokens). */
    private final int windowTokens;
    private final int keptTokens;
    private final Screener screener;
    private final Supplier<SafetyMetrics> metrics;
    private final String requestId;

    private final StringBuilder pending = new StringBuilder();
    private final Deque<Item> queue = new ArrayDeque<>();
    private String context = "";
    private @Nullable ObjectNode chunkShape;
    private boolean chat = true;
    private boolean wholeMode;
    private final ByteArrayOutputStream wholeEvents = new ByteArrayOutputStream();
    private boolean blocked;
    /** The last call's result: the next call's screening step starts only after it, so scans never overlap. */
    private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);

    StreamScreener(SafetyTemplate template, int windowTokens, int windowChars, Screener screener,
                   Supplier<SafetyMetrics> metrics, String requestId) {
        if (windowTokens < 1 || windowChars < 1) {
            throw new IllegalArgumentException("the hold-back window needs at least one token and one character, got "
                    + windowTokens + " and " + windowChars);
        }
        this.template = template;
        window = windowChars;
        kept = windowChars - step(windowChars);
        this.windowTokens = windowTokens;
        keptTokens = windowTokens - step(windowTokens);
        this.screener = screener;
        this.metrics = metrics;
        this.requestId = requestId;
    }

    /** How much new text (characters or tokens, as the window is counted) brings the next scan: an eighth. */
    static int step(int window) {
        return Math.max(1, window / 8);
    }

    /**
     * How many pending characters a scan now would release: all but the window less a step when a whole window is
     * pending in characters or in tokens (whichever releases more), else none.
     */
    private int releasable() {
        final int byChars = pending.length() >= window ? pending.length() - kept : 0;
        // From the newest pending token back: the first keptTokens stay, the characters of the rest would go.
        int tokens = 0;
        int byTokens = 0;
        for (Iterator<Item> it = queue.descendingIterator(); it.hasNext(); ) {
            if (it.next() instanceof Text t && ++tokens > keptTokens) {
                byTokens += t.chars;
            }
        }
        return tokens >= windowTokens ? Math.max(byChars, byTokens) : byChars;
    }

    /** Takes a run of whole SSE events; returns what to send to the client now, or the block. */
    CompletableFuture<ExtensionResult> onEvents(byte[] run, boolean end) {
        final long now = System.nanoTime();
        synchronized (this) {
            if (!blocked) {
                final SseFrameSplitter splitter = new SseFrameSplitter();
                final List<byte[]> events = new ArrayList<>(splitter.feed(run));
                final byte[] rest = splitter.drain();
                if (rest.length > 0) {
                    events.add(rest);
                }
                for (byte[] e : events) {
                    take(e, now);
                }
            }
            // Whatever the previous call ended with (a block or a failure is handled by its own caller), this call
            // screens only after it: one scan at a time, covering all text taken by then.
            final CompletableFuture<ExtensionResult> result =
                    previous.handle((r, cause) -> null).thenCompose(ignored -> screenPending(end));
            previous = result;
            return result;
        }
    }

    private synchronized CompletableFuture<ExtensionResult> screenPending(boolean end) {
        if (blocked) {
            return CompletableFuture.completedFuture(ExtensionResult.replaceBody(HttpData.empty()));
        }
        if (wholeMode) {
            return end ? screenWhole() : released(new byte[0]);
        }
        final int releasable = end ? pending.length() : releasable();
        if (releasable <= 0) {
            return released(emit(0, null));
        }
        final String scanned = context + pending;
        final int offset = context.length();
        return screener.screen(template, scanned, Direction.RESPONSE).thenApply(screened -> {
            synchronized (this) {
                return afterScan(screened, scanned, offset, releasable, end);
            }
        });
    }

    private ExtensionResult afterScan(Screener.Screened screened, String scanned, int offset, int releasable,
                                      boolean end) {
        final Sanitization s = screened.result();
        if (s.matched() || end) {
            SanitizeLog.log(template, Direction.RESPONSE, scanned, s, requestId, "SLUICE_EXTENSION");
        }
        if (s.matched() && !template.inspectOnly() && !s.onlyDeidentified()) {
            return block();
        }
        if (s.matched() && template.inspectOnly()) {
            metrics.get().action(template.name(), Direction.RESPONSE, "inspect_only");
        }
        int cut = releasable;
        List<SensitiveFinding> deidentify = null;
        if (s.matched() && s.onlyDeidentified()) {
            deidentify = new ArrayList<>();
            final SafetyTemplate.Deidentify d = template.sdp().deidentify();
            for (SensitiveFinding f : s.sdp().findings()) {
                if (!d.infoTypes().contains(f.infoType()) || f.end() <= offset) {
                    continue;
                }
                final int start = Math.max(0, f.start() - offset);
                final int stop = f.end() - offset;
                if (start < cut && stop > cut) {
                    cut = start;  // never release half of a finding
                }
                deidentify.add(new SensitiveFinding(f.infoType(), start, stop, f.likelihood()));
            }
            metrics.get().action(template.name(), Direction.RESPONSE, "deidentified");
        }
        return ExtensionResult.replaceBody(HttpData.wrap(emit(cut, deidentify)));
    }

    private CompletableFuture<ExtensionResult> released(byte[] bytes) {
        return CompletableFuture.completedFuture(ExtensionResult.replaceBody(HttpData.wrap(bytes)));
    }

    private ExtensionResult block() {
        blocked = true;
        pending.setLength(0);
        queue.clear();
        metrics.get().action(template.name(), Direction.RESPONSE, "blocked");
        return new ExtensionResult.ImmediateResponse(
                com.linecorp.armeria.common.HttpStatus.valueOf(template.responseError().status()),
                java.util.Map.of("content-type", "text/plain"),
                HttpData.wrap(BlockResponses.body(template, Direction.RESPONSE)));
    }

    /** Reads one event into the queue. */
    private void take(byte[] event, long now) {
        if (wholeMode) {
            wholeEvents.writeBytes(event);
            final String text = text(event);
            if (text != null) {
                pending.append(text);
            }
            return;
        }
        final String data = SseFrameSplitter.data(event);
        if (data == null || data.startsWith("[DONE]")) {
            queue.add(new Raw(event));
            return;
        }
        final JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (JacksonException e) {
            queue.add(new Raw(event));
            return;
        }
        final JsonNode choices = root.path("choices");
        if (!root.isObject() || !choices.isArray() || choices.isEmpty()) {
            queue.add(new Raw(event));
            return;
        }
        if (choices.size() > 1 || choices.get(0).path("index").asInt(0) != 0) {
            switchToWhole(event);
            return;
        }
        final JsonNode choice = choices.get(0);
        final JsonNode delta = choice.get("delta");
        final String field;
        final JsonNode holder;
        if (delta != null && delta.isObject()) {
            chat = true;
            holder = delta;
            field = "content";
        } else {
            chat = false;
            holder = choice;
            field = "text";
        }
        final JsonNode t = holder.get(field);
        final String text = t != null && t.isString() ? t.asString() : "";
        if (text.isEmpty()) {
            queue.add(new Raw(event));
            return;
        }
        if (chunkShape == null) {
            // id, object, created and model are the same in every chunk of a stream: keep the first.
            final ObjectNode shape = ((ObjectNode) root).deepCopy();
            shape.remove("choices");
            shape.remove("usage");
            chunkShape = shape;
        }
        final boolean finishes = choice.has("finish_reason") && !choice.get("finish_reason").isNull();
        final boolean more = finishes || chat && holder.size() > 1;
        Raw rest = null;
        if (more) {
            // The event also carries a role, tool calls or a finish reason: relay those without the text, a role
            // before it and a finish reason after it.
            ((ObjectNode) holder).put(field, "");
            rest = new Raw(SseFrameSplitter.dataEvent(JSON.writeValueAsBytes(root)));
        }
        if (rest != null && !finishes) {
            queue.add(rest);
        }
        pending.append(text);
        queue.add(new Text(text.length(), now));
        if (rest != null && finishes) {
            queue.add(rest);
        }
    }

    private static @Nullable String text(byte[] event) {
        final String data = SseFrameSplitter.data(event);
        if (data == null || data.startsWith("[DONE]")) {
            return null;
        }
        try {
            final StringBuilder b = new StringBuilder();
            for (JsonNode c : JSON.readTree(data).path("choices")) {
                final JsonNode t = c.path("delta").isObject() ? c.path("delta").path("content") : c.path("text");
                if (t.isString()) {
                    b.append(t.asString());
                }
            }
            return b.toString();
        } catch (JacksonException e) {
            return null;
        }
    }

    /** From here on, hold every event and screen once at the end (several choices cannot be released in order). */
    private void switchToWhole(byte[] event) {
        wholeMode = true;
        // Replay what is queued, in order, into the held events; pending text stays for the final scan.
        for (Item item : queue) {
            if (item instanceof Raw r) {
                wholeEvents.writeBytes(r.event());
            }
        }
        final String held = pending.toString();
        queue.clear();
        if (!held.isEmpty() && chunkShape != null) {
            wholeEvents.writeBytes(chunk(held));
        }
        take(event, System.nanoTime());
    }

    private CompletableFuture<ExtensionResult> screenWhole() {
        final String scanned = context + pending;
        return screener.screen(template, scanned, Direction.RESPONSE).thenApply(screened -> {
            synchronized (this) {
                final Sanitization s = screened.result();
                SanitizeLog.log(template, Direction.RESPONSE, scanned, s, requestId, "SLUICE_EXTENSION");
                if (s.matched() && !template.inspectOnly()) {
                    return block();
                }
                if (s.matched()) {
                    metrics.get().action(template.name(), Direction.RESPONSE, "inspect_only");
                }
                return ExtensionResult.replaceBody(HttpData.wrap(wholeEvents.toByteArray()));
            }
        });
    }

    /**
     * Releases the first {@code cut} pending characters (de-identified by {@code findings}, offsets relative to the
     * pending text, when given) and the events queued among them; returns the bytes to send.
     */
    private byte[] emit(int cut, @Nullable List<SensitiveFinding> findings) {
        // Segments in stream order: String for released text, byte[] for events relayed as they are.
        final List<Object> segments = new ArrayList<>();
        int taken = 0;
        long oldest = 0;
        while (!queue.isEmpty()) {
            final Item head = queue.peekFirst();
            if (head instanceof Raw r) {
                segments.add(r.event());
                queue.removeFirst();
                continue;
            }
            final Text t = (Text) head;
            final int room = cut - taken;
            if (room <= 0) {
                break;
            }
            final int n = Math.min(room, t.chars);
            segments.add(pending.substring(taken, taken + n));
            oldest = oldest == 0 ? t.arrivedNanos : oldest;
            taken += n;
            if (n == t.chars) {
                queue.removeFirst();
            } else {
                t.chars -= n;
                break;
            }
        }
        final String released = pending.substring(0, taken);
        final boolean deidentify = findings != null && !findings.isEmpty() && taken > 0;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final StringBuilder text = new StringBuilder();
        boolean textWritten = false;
        for (Object seg : segments) {
            if (seg instanceof String str) {
                text.append(str);
                continue;
            }
            if (!text.isEmpty() && !deidentify) {
                out.writeBytes(chunk(text.toString()));
                text.setLength(0);
            } else if (!text.isEmpty() && !textWritten) {
                // De-identified text goes out whole (a replacement changes lengths, so it cannot be re-split).
                final int end = taken;
                out.writeBytes(chunk(transform(released, findings.stream().filter(f -> f.end() <= end).toList())));
                textWritten = true;
            }
            out.writeBytes((byte[]) seg);
        }
        if (!text.isEmpty()) {
            if (!deidentify) {
                out.writeBytes(chunk(text.toString()));
            } else if (!textWritten) {
                final int end = taken;
                out.writeBytes(chunk(transform(released, findings.stream().filter(f -> f.end() <= end).toList())));
            }
        }
        pending.delete(0, taken);
        if (taken > 0) {
            context = tail(context + released, window);
            metrics.get().heldBack(System.nanoTime() - oldest);
        }
        return out.toByteArray();
    }

    private String transform(String text, List<SensitiveFinding> findings) {
        final SafetyTemplate.Deidentify d = template.sdp().deidentify();
        return d.transform() == SafetyTemplate.Transform.MASK ? Deidentifier.mask(text, findings, d.maskingCharacter())
                                                              : Deidentifier.replaceWithInfoType(text, findings);
    }

    /** Returns one OpenAI chunk event carrying {@code text} in the stream's shape. */
    private byte[] chunk(String text) {
        final ObjectNode node = chunkShape != null ? chunkShape.deepCopy() : JSON.createObjectNode();
        final ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return SseFrameSplitter.dataEvent(JSON.writeValueAsBytes(node));
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }
}
