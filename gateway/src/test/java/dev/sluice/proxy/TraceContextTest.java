package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceContextTest {

    @Test
    void continuesAValidTraceparent() {
        final TraceContext t = TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.parentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(t.sampled()).isTrue();
        assertThat(t.upstreamTraceparent())
                .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01")
                .doesNotContain("00f067aa0ba902b7");
        assertThat(t.requestSpanId()).isNotEqualTo(t.upstreamSpanId());
        assertThat(TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").sampled()).isFalse();
    }

    @Test
    void startsATraceWhenAbsentOrInvalid() {
        for (String bad : new String[] { null, "", "garbage", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                         "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                         "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                                         "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01" }) {
            final TraceContext t = TraceContext.of(bad);
            assertThat(t.parentSpanId()).as(String.valueOf(bad)).isNull();
            assertThat(t.traceId()).matches("[0-9a-f]{32}");
            assertThat(t.upstreamTraceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }
}
