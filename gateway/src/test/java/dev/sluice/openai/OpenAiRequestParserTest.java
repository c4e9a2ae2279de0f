package dev.sluice.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class OpenAiRequestParserTest {

    private static OpenAiRequest parse(String json) {
        return OpenAiRequestParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void completions_readsModelStreamMaxTokensAndPrompt() {
        final OpenAiRequest r = parse("{\"model\": \"food-review\", \"prompt\": \"Write as if you were a critic\"," +
                                      " \"max_tokens\": 100, \"temperature\": 0}");
        assertThat(r.model()).isEqualTo("food-review");
        assertThat(r.stream()).isFalse();
        assertThat(r.maxTokens()).isEqualTo(100);
        assertThat(r.promptText()).isEqualTo("Write as if you were a critic");
        assertThat(r.includeUsage()).isFalse();
        assertThat(r.hasStreamOptions()).isFalse();
    }

    @Test
    void chat_readsEveryMessageAndTextParts() {
        final OpenAiRequest r = parse("{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"}," +
                                      "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}," +
                                      "{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]," +
                                      "\"model\":\"m\",\"stream\":true," +
                                      "\"stream_options\":{\"include_usage\":true}}");
        assertThat(r.model()).isEqualTo("m");
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
        assertThat(r.hasStreamOptions()).isTrue();
        assertThat(r.messages()).extracting(OpenAiRequest.PromptText::role).containsExactly("system", "user");
        assertThat(r.promptText()).isEqualTo("be brief\nhi");
    }

    @Test
    void nestedModelField_isNotTheRequestModel() {
        final OpenAiRequest r = parse("{\"tools\":[{\"model\":\"evil\"}],\"metadata\":{\"model\":\"x\"}," +
                                      "\"model\":\"good\"}");
        assertThat(r.model()).isEqualTo("good");
    }

    @Test
    void modelSpan_allowsInPlaceRewrite() {
        final byte[] body = "{\"model\":\"a\\\"b\",\"prompt\":\"p\"}".getBytes(StandardCharsets.UTF_8);
        final OpenAiRequest r = OpenAiRequestParser.parse(body);
        assertThat(r.model()).isEqualTo("a\"b");
        final byte[] rewritten = JsonEdits.replaceString(body, r.modelStart(), r.modelEnd(), "target-v2");
        assertThat(new String(rewritten, StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"target-v2\",\"prompt\":\"p\"}");
    }

    @Test
    void missingModel_isNull() {
        assertThat(parse("{\"prompt\":\"x\"}").model()).isNull();
    }

    @Test
    void malformedJson_isRejectedWithAReason() {
        assertThatThrownBy(() -> parse("{\"model\": \"x\",")).isInstanceOf(MalformedRequestException.class)
                                                             .hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> parse("[1,2]")).isInstanceOf(MalformedRequestException.class)
                                                .hasMessageContaining("JSON object");
        assertThatThrownBy(() -> parse("{\"model\": 3}")).isInstanceOf(MalformedRequestException.class)
                                                         .hasMessageContaining("'model' must be a string");
        assertThatThrownBy(() -> parse("{\"model\":\"x\"} trailing")).isInstanceOf(MalformedRequestException.class);
        assertThatThrownBy(() -> parse("")).isInstanceOf(MalformedRequestException.class);
    }
}
