package dev.sluice.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class JsonEditsTest {

    private static String replace(String json, String model) {
        final byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new String(JsonEdits.replaceTopLevelModel(b, 0, b.length, model), StandardCharsets.UTF_8);
    }

    @Test
    void replaceTopLevelModel_changesOnlyTheTopLevelValue() {
        assertThat(replace("{\"id\":\"c\",\"choices\":[{\"model\":\"inner\"}],\"model\":\"lora-v2\",\"x\":1}",
                           "lora"))
                .isEqualTo("{\"id\":\"c\",\"choices\":[{\"model\":\"inner\"}],\"model\":\"lora\",\"x\":1}");
    }

    @Test
    void replaceTopLevelModel_leavesNonJsonAndModelLessBodiesAlone() {
        assertThat(replace("not json", "m")).isEqualTo("not json");
        assertThat(replace("{\"a\":1}", "m")).isEqualTo("{\"a\":1}");
    }

    @Test
    void quote_escapesControlCharacters() {
        assertThat(new String(JsonEdits.quote("a\"b\\c\nd\u0001"), StandardCharsets.UTF_8))
                .isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    @Test
    void errorBody_hasTheOpenAiShape() {
        assertThat(new String(OpenAiErrors.body("bad \"x\"", "invalid_request_error", "model", null),
                              StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":{\"message\":\"bad \\\"x\\\"\",\"type\":\"invalid_request_error\"," +
                           "\"param\":\"model\",\"code\":null}}");
    }
}
