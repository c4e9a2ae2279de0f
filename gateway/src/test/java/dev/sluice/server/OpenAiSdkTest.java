package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;

/** The official OpenAI Java SDK against the gateway and simulated pools, routed by the model in the body. */
class OpenAiSdkTest {

    @TempDir
    static Path dir;
    static TestGateway gateway;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(dir);
        client = gateway.openAi();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static long served(String... sims) {
        long n = 0;
        for (String s : sims) {
            n += gateway.sim(s).stats().requestsCompleted();
        }
        return n;
    }

    @Test
    void completion_adapterRoutesToItsBaseModelsPool() {
        final long llamaBefore = served("llama-0", "llama-1");
        final long gemmaBefore = served("gemma-0");
        final Completion c = client.completions().create(CompletionCreateParams.builder()
                .model("food-review").prompt("Write as if you were a critic: San Francisco").maxTokens(5).build());
        assertThat(c.model()).isEqualTo("food-review");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).text()).isNotBlank();
        assertThat(c.usage().get().completionTokens()).isEqualTo(5);
        assertThat(served("llama-0", "llama-1")).isEqualTo(llamaBefore + 1);
        assertThat(served("gemma-0")).isEqualTo(gemmaBefore);
    }

    @Test
    void chat_baseModelRoutesToItsPool() {
        final long gemmaBefore = served("gemma-0");
        final ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("google/gemma-3-1b-it").addUserMessage("Say hi").maxCompletionTokens(4).build());
        assertThat(c.model()).isEqualTo("google/gemma-3-1b-it");
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(served("gemma-0")).isEqualTo(gemmaBefore + 1);
    }

    @Test
    void chat_streaming_deliversEveryChunkAndUsage() {
        final StringBuilder text = new StringBuilder();
        final List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("meta-llama/Llama-3.1-8B-Instruct")
                                          .addUserMessage("Tell me a story").maxCompletionTokens(6)
                                          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true)
                                                                                    .build())
                                          .build())) {
            chunks = s.stream().toList();
        }
        chunks.forEach(ch -> ch.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(text.toString()).isNotBlank();
        assertThat(chunks).allSatisfy(ch -> assertThat(ch.model()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct"));
        final ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(6));
    }

    @Test
    void completion_streaming() {
        final StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> s = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("food-review").prompt("A critic on Paris").maxTokens(7).build())) {
            s.stream().forEach(c -> {
                assertThat(c.model()).isEqualTo("food-review");
                c.choices().forEach(ch -> text.append(ch.text()));
            });
        }
        assertThat(text.toString().trim().split("\\s+")).hasSize(7);
    }

    @Test
    void embeddings() {
        final CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("google/gemma-3-1b-it").input("hello world").build());
        assertThat(r.data()).hasSize(1);
        assertThat(r.data().get(0).embedding()).isNotEmpty();
    }

    @Test
    void models_listsBaseModelsAndAdapters() {
        final List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).contains("meta-llama/Llama-3.1-8B-Instruct", "food-review", "google/gemma-3-1b-it");
    }
}
