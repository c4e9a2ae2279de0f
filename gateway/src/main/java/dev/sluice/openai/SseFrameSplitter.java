package dev.sluice.openai;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Splits a byte stream into whole Server-Sent Events, each ending with a blank line.
 *
 * <p>Model servers flush at arbitrary points, so one network chunk may carry half an event or several; the relay
 * needs whole events to read and rewrite their JSON. Bytes after the last complete event are kept for the next call.
 * Not thread-safe: one instance per response, used from its event loop.
 */
public final class SseFrameSplitter {

    private static final byte[] DATA_PREFIX = "data: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Returns the complete events (each with its terminating blank line) that {@code chunk} finishes. */
    public List<byte[]> feed(byte[] chunk) {
        pending.write(chunk, 0, chunk.length);
        final byte[] buf = pending.toByteArray();
        final List<byte[]> events = new ArrayList<>(2);
        int eventStart = 0;
        for (int i = 0; i < buf.length; i++) {
            final int end = eventEnd(buf, i);
            if (end > 0) {
                final byte[] event = new byte[end - eventStart];
                System.arraycopy(buf, eventStart, event, 0, event.length);
                events.add(event);
                eventStart = end;
                i = end - 1;
            }
        }
        pending.reset();
        pending.write(buf, eventStart, buf.length - eventStart);
        return events;
    }

    /** Returns and clears whatever is left: an unterminated event at the end of the stream. */
    public byte[] drain() {
        final byte[] rest = pending.toByteArray();
        pending.reset();
        return rest;
    }

    /** Returns the index past a blank-line terminator starting at {@code i} ({@code \n\n} or {@code \r\n\r\n}). */
    private static int eventEnd(byte[] buf, int i) {
        if (buf[i] != '\n') {
            return -1;
        }
        if (i + 1 < buf.length && buf[i + 1] == '\n') {
            return i + 2;
        }
        if (i + 2 < buf.length && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
            return i + 3;
        }
        return -1;
    }

    /** Returns one SSE event carrying {@code json} as its single {@code data:} line. */
    public static byte[] dataEvent(byte[] json) {
        final byte[] out = new byte[json.length + 8];
        System.arraycopy(DATA_PREFIX, 0, out, 0, DATA_PREFIX.length);
        System.arraycopy(json, 0, out, DATA_PREFIX.length, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    /**
     * Returns the {@code data:} payload of an event (lines joined by {@code \n}), or {@code null} when it has none.
     */
    public static @Nullable String data(byte[] event) {
        final String text = new String(event, java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder data = null;
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("data:")) {
                final String value = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6)
                                                                                : line.substring(5);
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
        }
        return data == null ? null : data.toString();
    }
}
