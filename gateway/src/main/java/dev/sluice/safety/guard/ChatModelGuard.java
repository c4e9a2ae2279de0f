package dev.sluice.safety.guard;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.RaiCategory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A guard model (Llama Guard style) behind an OpenAI chat API, for example a pool served through Sluice itself. It
 * sends the text as the conversation (a prompt as the user's turn; a response as the assistant's turn after an
 * empty user turn), reads the first line of the answer ({@code safe} or {@code unsafe}) and the second (category
 * codes such as {@code S1,S10}), and maps the MLCommons hazard codes Llama Guard 3 uses to the template's filters,
 * all at HIGH confidence (the model's verdict is binary):
 *
 * <table>
 *   <caption>Code mapping</caption>
 *   <tr><th>Codes</th><th>Filter</th></tr>
 *   <tr><td>S1 violent crimes, S2 non-violent crimes, S9 indiscriminate weapons, S11 suicide and self-harm</td>
 *       <td>DANGEROUS</td></tr>
 *   <tr><td>S3 sex-related crimes, S12 sexual content</td><td>SEXUALLY_EXPLICIT</td></tr>
 *   <tr><td>S4 child sexual exploitation</td><td>CSAM</td></tr>
 *   <tr><td>S5 defamation</td><td>HARASSMENT</td></tr>
 *   <tr><td>S10 hate</td><td>HATE_SPEECH</td></tr>
 *   <tr><td>S14 code interpreter abuse</td><td>prompt injection and jailbreak</td></tr>
 *   <tr><td>S6 specialized advice, S7 privacy, S8 intellectual property, S13 elections, others</td>
 *       <td>none (no Model Armor filter covers them)</td></tr>
 * </table>
 */
final class ChatModelGuard implements Guard {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WebClient client;
    private final String basePath;
    private final String model;

    ChatModelGuard(WebClient client, String basePath, @Nullable String model) {
        this.client = client;
        this.basePath = basePath;
        this.model = model != null ? model : "";
    }

    @Override
    public String kind() {
        return "chat-model";
    }

    @Override
    public CompletableFuture<Detection> check(String text, Direction direction, Set<FilterKind> filters) {
        final ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("max_tokens", 32);
        body.put("temperature", 0);
        final ArrayNode messages = body.putArray("messages");
        if (direction == Direction.PROMPT) {
            messages.addObject().put("role", "user").put("content", text);
        } else {
            messages.addObject().put("role", "user").put("content", "");
            messages.addObject().put("role", "assistant").put("content", text);
        }
        final String path = (basePath.endsWith("/v1") ? basePath : basePath + "/v1") + "/chat/completions";
        final HttpRequest req = HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, path)
                                                             .contentType(MediaType.JSON_UTF_8).build(),
                                               HttpData.ofUtf8(JSON.writeValueAsString(body)));
        return client.execute(req).aggregate().thenApply(res -> {
            if (!res.status().isSuccess()) {
                throw new IllegalStateException("guard model answered " + res.status().code());
            }
            final JsonNode content = JSON.readTree(res.contentUtf8()).path("choices").path(0).path("message")
                                         .path("content");
            if (!content.isString()) {
                throw new IllegalStateException("guard model answer has no choices[0].message.content");
            }
            return verdict(content.asString());
        });
    }

    /** Parses a Llama Guard answer: {@code safe}, or {@code unsafe} and a line of category codes. */
    static Detection verdict(String answer) {
        final String[] lines = answer.strip().split("\\R", 3);
        final String first = lines[0].strip().toLowerCase(Locale.ROOT);
        if (first.equals("safe")) {
            return Detection.NONE;
        }
        if (!first.equals("unsafe")) {
            throw new IllegalStateException("guard model answer is neither safe nor unsafe: " +
                                            (first.length() > 40 ? first.substring(0, 40) : first));
        }
        final Map<RaiCategory, Confidence> rai = new EnumMap<>(RaiCategory.class);
        Confidence pi = null;
        Confidence csam = null;
        final String codes = lines.length > 1 ? lines[1] : "";
        for (String raw : codes.split("[,\\s]+")) {
            final String code = raw.strip().toUpperCase(Locale.ROOT);
            switch (code) {
                case "S1", "S2", "S9", "S11" -> rai.put(RaiCategory.DANGEROUS, Confidence.HIGH);
                case "S3", "S12" -> rai.put(RaiCategory.SEXUALLY_EXPLICIT, Confidence.HIGH);
                case "S4" -> csam = Confidence.HIGH;
                case "S5" -> rai.put(RaiCategory.HARASSMENT, Confidence.HIGH);
                case "S10" -> rai.put(RaiCategory.HATE_SPEECH, Confidence.HIGH);
                case "S14" -> pi = Confidence.HIGH;
                default -> { }
            }
        }
        return new Detection(pi, rai, csam, java.util.List.of(), java.util.List.of());
    }
}
