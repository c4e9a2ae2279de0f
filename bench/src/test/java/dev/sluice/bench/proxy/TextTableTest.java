package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void alignsFirstColumnLeftAndTheRestRight() {
        String table = new TextTable("arm", "req/s").row("direct", "80000").row("haproxy", "9").render();

        assertThat(table.lines()).containsExactly(
                "arm      req/s",
                "-------  -----",
                "direct   80000",
                "haproxy      9");
    }

    @Test
    void rejectsRowsOfTheWrongWidth() {
        assertThatThrownBy(() -> new TextTable("a", "b").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}
