package dev.sluice.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.GenerationRequest;
import dev.sluice.simulator.SimulatorConfig;

class EngineStateTest {

    private final List<GenerationRequest> admitted = new ArrayList<>();

    private static EngineState engine(SimulatorConfig.Builder config) {
        final SimulatorConfig built = config.build();
        return new EngineState(built, new SimulatorMetrics(built, Clock.systemUTC()));
    }

    private EngineState.Ticket submit(EngineState engine, String model, String lora, String prompt, int output) {
        return engine.submit(model, lora, List.of(Prompt.ofText(prompt)), output, admitted::add);
    }

    @Test
    void admitsAtOnceWhenThereIsRoom() {
        final EngineState engine = engine(SimulatorConfig.builder("m"));
        final EngineState.Ticket ticket = submit(engine, "m", null, "x".repeat(40), 6);
        assertThat(admitted).containsExactly(new GenerationRequest("m", null, 10, 0, 6));
        // ceil((10 + 6) / 16) = 1 block.
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(0, 1, 1, 8192, List.of(), List.of()));
        engine.release(ticket);
        engine.release(ticket); // twice does nothing
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(0, 0, 0, 8192, List.of(), List.of()));
    }

    @Test
    void queuesFirstComeFirstServedWhenKvBlocksRunOut() {
        final EngineState engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(4).blockSize(16));
        final EngineState.Ticket first = submit(engine, "m", null, "a", 31); // 2 blocks
        final EngineState.Ticket second = submit(engine, "m", null, "b", 47); // 3 blocks: waits
        final EngineState.Ticket third = submit(engine, "m", null, "c", 15); // 1 block: fits, but waits its turn
        assertThat(admitted).hasSize(1);
        assertThat(engine.snapshot().waitingRequests()).isEqualTo(2);
        assertThat(engine.snapshot().kvCacheUsage()).isEqualTo(0.5);

        engine.release(first);
        assertThat(admitted).hasSize(3);
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(0, 2, 4, 4, List.of(), List.of()));
        engine.release(second);
        engine.release(third);
        assertThat(engine.snapshot().kvBlocksInUse()).isZero();
    }

    @Test
    void abandoningTheHeadOfTheQueueAdmitsTheNext() {
        final EngineState engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(4));
        submit(engine, "m", null, "a", 31); // 2 blocks
        final EngineState.Ticket big = submit(engine, "m", null, "b", 47); // 3 blocks: waits
        submit(engine, "m", null, "c", 15); // 1 block: waits behind it
        engine.release(big);
        assertThat(admitted).hasSize(2);
        assertThat(engine.snapshot().waitingRequests()).isZero();
    }

    @Test
    void skipsRequestsWhoseAdapterHasNoSlot() {
        final EngineState engine = engine(SimulatorConfig.builder("m").loraAdapters(List.of("a", "b", "c"))
                                                         .maxLoras(2));
        final EngineState.Ticket a = submit(engine, "a", "a", "x", 1);
        submit(engine, "b", "b", "x", 1);
        submit(engine, "c", "c", "x", 1);
        submit(engine, "a", "a", "y", 1); // adapter already loaded: admitted past the waiting one
        submit(engine, "m", null, "z", 1); // base model needs no slot
        assertThat(admitted).extracting(GenerationRequest::model).containsExactly("a", "b", "a", "m");
        assertThat(engine.snapshot().runningLoraAdapters()).containsExactly("a", "b");
        assertThat(engine.snapshot().waitingLoraAdapters()).containsExactly("c");

        engine.release(a);
        assertThat(admitted).hasSize(4); // another request still runs on adapter a
        engine.release(engine.submit("a", "a", List.of(Prompt.ofText("w")), 1, r -> {}));
        assertThat(engine.snapshot().waitingLoraAdapters()).containsExactly("c");
    }

    @Test
    void freesTheAdapterSlotWhenItsLastRequestEnds() {
        final EngineState engine = engine(SimulatorConfig.builder("m").loraAdapters(List.of("a", "b"))
                                                         .maxLoras(1));
        final EngineState.Ticket a = submit(engine, "a", "a", "x", 1);
        submit(engine, "b", "b", "x", 1);
        assertThat(admitted).hasSize(1);
        engine.release(a);
        assertThat(admitted).extracting(GenerationRequest::loraAdapter).containsExactly("a", "b");
        assertThat(engine.snapshot().runningLoraAdapters()).containsExactly("b");
        assertThat(engine.snapshot().waitingLoraAdapters()).isEmpty();
    }

    @Test
    void countsCachedPrefixTokensPerAdapter() {
        final EngineState engine = engine(SimulatorConfig.builder("m").loraAdapters(List.of("a")));
        final String prompt = "y".repeat(64 * 3); // 48 tokens, 3 full blocks
        submit(engine, "m", null, prompt, 1);
        submit(engine, "m", null, prompt, 1);
        submit(engine, "m", null, prompt.substring(0, 64) + "z".repeat(128), 1);
        submit(engine, "a", "a", prompt, 1);
        assertThat(admitted).extracting(GenerationRequest::cachedPromptTokens)
                            // All 3 blocks hit, but the last prompt token is always computed.
                            .containsExactly(0, 47, 16, 0);
    }

    @Test
    void rejectsRequestsLargerThanTheCache() {
        final EngineState engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(2));
        assertThat(engine.blocksFor(List.of(Prompt.ofText("x".repeat(4 * 30))), 3)).isEqualTo(3);
        assertThatThrownBy(() -> submit(engine, "m", null, "x".repeat(4 * 30), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("blocks: 3 (expected: <= 2)");
    }
}
