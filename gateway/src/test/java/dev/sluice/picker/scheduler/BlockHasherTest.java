package dev.sluice.picker.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BlockHasherTest {

    private static final BlockHasher CHARS = BlockHasher.characters(64, 256);

    static String text(int chars, char seed) {
        final StringBuilder b = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            b.append((char) ('a' + (i * 7 + seed) % 26));
        }
        return b.toString();
    }

    @Test
    void hashesOnlyFullBlocks() {
        assertThat(CHARS.hash("m", text(63, 'a')).count()).isZero();
        assertThat(CHARS.hash("m", text(64, 'a')).count()).isEqualTo(1);
        assertThat(CHARS.hash("m", text(200, 'a')).count()).isEqualTo(3);
        assertThat(CHARS.hash("m", text(200, 'a')).blockTokens()).isEqualTo(16);
    }

    @Test
    void sharedPrefixSharesLeadingHashesOnly() {
        final String shared = text(128, 'a');
        final PrefixBlocks a = CHARS.hash("m", shared + text(128, 'b'));
        final PrefixBlocks b = CHARS.hash("m", shared + text(128, 'c'));
        assertThat(a.hash(0)).isEqualTo(b.hash(0));
        assertThat(a.hash(1)).isEqualTo(b.hash(1));
        assertThat(a.hash(2)).isNotEqualTo(b.hash(2));
        // Chained: a later block equal in content but after a different prefix hashes differently.
        final PrefixBlocks c = CHARS.hash("m", text(64, 'z') + shared.substring(64));
        assertThat(c.hash(1)).isNotEqualTo(a.hash(1));
    }

    @Test
    void modelAndAdapterScopeTheChain() {
        final String prompt = text(256, 'a');
        final PrefixBlocks base = CHARS.hash("llama", prompt);
        final PrefixBlocks adapter = CHARS.hash("llama-sql-lora", prompt);
        for (int i = 0; i < base.count(); i++) {
            assertThat(base.hash(i)).isNotEqualTo(adapter.hash(i));
        }
        assertThat(CHARS.hash("llama", prompt)).isEqualTo(base);
    }

    @Test
    void capsTheNumberOfBlocks() {
        assertThat(BlockHasher.characters(64, 4).hash("m", text(10_000, 'a')).count()).isEqualTo(4);
    }

    @Test
    void countsUtf8BytesAsGieDoes() {
        // 32 two-byte characters are one 64-byte block.
        assertThat(CHARS.hash("m", "é".repeat(32)).count()).isEqualTo(1);
        assertThat(CHARS.hash("m", "é".repeat(31)).count()).isZero();
    }

    @Test
    void tokenBlocksFollowTheTokenizer() {
        // A fake tokenizer: one token per word.
        final PromptTokenizer words = (text, max) -> text.isEmpty() ? new int[0]
                : java.util.Arrays.stream(text.split(" ")).limit(max).mapToInt(String::hashCode).toArray();
        final BlockHasher tokens = BlockHasher.tokens(words, 4, 100);
        final PrefixBlocks a = tokens.hash("m", "one two three four five six seven eight nine");
        final PrefixBlocks b = tokens.hash("m", "one two three four FIVE six seven eight");
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.blockTokens()).isEqualTo(4);
        assertThat(a.hash(0)).isEqualTo(b.hash(0));
        assertThat(a.hash(1)).isNotEqualTo(b.hash(1));
        // Token blocks and character blocks of the same text are different chains.
        assertThat(a.hash(0)).isNotEqualTo(BlockHasher.characters(4, 100).hash("m", "one ").hash(0));
    }

    @Test
    void tokenizesWithJtokkit() {
        final JtokkitTokenizer cl100k = JtokkitTokenizer.of("cl100k_base");
        final String prompt = "You are a helpful assistant. ".repeat(40);
        final PrefixBlocks blocks = BlockHasher.tokens(cl100k, 16, 1000).hash("m", prompt);
        assertThat(blocks.count()).isBetween(10, 30); // about 6 tokens per sentence, 240 tokens
        assertThat(cl100k.encode(prompt, 10)).hasSize(10);
        assertThatThrownBy(() -> JtokkitTokenizer.of("llama3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer: llama3 (expected: one of").hasMessageContaining("cl100k_base");
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> BlockHasher.characters(2, 10))
                .hasMessage("blockChars: 2 (expected: >= 4)");
        assertThatThrownBy(() -> BlockHasher.characters(64, 0))
                .hasMessage("maxBlocks: 0 (expected: >= 1)");
    }
}
