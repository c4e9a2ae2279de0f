package dev.sluice.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class SseFrameSplitterTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> events) {
        return events.stream().map(e -> new String(e, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void feed_joinsEventsSplitAcrossChunks() {
        final SseFrameSplitter s = new SseFrameSplitter();
        assertThat(s.feed(b("data: {\"a\":"))).isEmpty();
        assertThat(strings(s.feed(b("1}\n")))).isEmpty();
        assertThat(strings(s.feed(b("\ndata: [DO")))).containsExactly("data: {\"a\":1}\n\n");
        assertThat(strings(s.feed(b("NE]\n\n")))).containsExactly("data: [DONE]\n\n");
        assertThat(s.drain()).isEmpty();
    }

    @Test
    void feed_splitsSeveralEventsInOneChunk_andCrlf() {
        final SseFrameSplitter s = new SseFrameSplitter();
        assertThat(strings(s.feed(b("data: 1\n\ndata: 2\r\n\r\ndata: 3"))))
                .containsExactly("data: 1\n\n", "data: 2\r\n\r\n");
        assertThat(new String(s.drain(), StandardCharsets.UTF_8)).isEqualTo("data: 3");
    }

    @Test
    void data_readsMultiLineData() {
        assertThat(SseFrameSplitter.data(b("event: x\ndata: a\ndata:b\n\n"))).isEqualTo("a\nb");
        assertThat(SseFrameSplitter.data(b(": comment\n\n"))).isNull();
        assertThat(new String(SseFrameSplitter.dataEvent(b("{}")), StandardCharsets.UTF_8))
                .isEqualTo("data: {}\n\n");
    }
}
