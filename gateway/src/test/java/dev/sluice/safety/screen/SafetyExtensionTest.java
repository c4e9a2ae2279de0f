package dev.sluice.safety.screen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpData;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.SafetySettings;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequestParser;
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.SensitiveFinding;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SafetyExtensionTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A scanner that flags "INJECT" (prompt injection), "BOMB" (dangerous), and reports "SECRET-1234" as a password,
     * whatever the surrounding text, so tests do not depend on detector quality.
     */
    static final SafetyScanner FAKE = (text, direction, filters) -> {
        final List<SensitiveFinding> found = new ArrayList<>();
        for (int i = text.indexOf("SECRET-1234"); i >= 0; i = text.indexOf("SECRET-1234", i + 1)) {
            found.add(new SensitiveFinding(InfoTypes.PASSWORD, i, i + 11, Confidence.HIGH));
        }
        return new Detection(text.contains("INJECT") ? Confidence.HIGH : null,
                             text.contains("BOMB") ? Map.of(RaiCategory.DANGEROUS, Confidence.HIGH) : Map.of(),
                             null, found, List.of());
    };

    static final String TEMPLATES = """
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: llm}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED, confidenceLevel: MEDIUM_AND_ABOVE}
                raiSettings:
                  raiFilters: [{filterType: DANGEROUS, confidenceLevel: MEDIUM_AND_ABOVE}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: custom}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED}
                raiSettings:
                  raiFilters: [{filterType: DANGEROUS}]
              templateMetadata:
                customPromptSafetyErrorCode: 400
                customPromptSafetyErrorMessage: Prompt refused by policy
                customLlmResponseSafetyErrorCode: 451
                customLlmResponseSafetyErrorMessage: Response withheld
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: watch}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED}
                raiSettings:
                  raiFilters: [{filterType: DANGEROUS}]
              templateMetadata: {enforcementType: INSPECT_ONLY}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: mask}
            spec:
              filterConfig:
                sdpSettings:
                  advancedConfig:
                    inspectTemplate: {infoTypes: [PASSWORD]}
                    deidentifyTemplate: {transform: REPLACE_WITH_INFO_TYPE}
            """;

    static final String SETTINGS = "[{\"model\": \"default\", \"user_prompt_template_id\": \"llm\", " +
                                   "\"model_response_template_id\": \"projects/p/locations/l/templates/llm\"}," +
                                   "{\"model\": \"custom-model\", \"user_prompt_template_id\": \"custom\", " +
                                   "\"model_response_template_id\": \"custom\"}," +
                                   "{\"model\": \"watched\", \"user_prompt_template_id\": \"watch\", " +
                                   "\"model_response_template_id\": \"watch\"}," +
                                   "{\"model\": \"masked\", \"user_prompt_template_id\": \"mask\", " +
                                   "\"model_response_template_id\": \"mask\"}," +
                                   "{\"model\": \"open\", \"model_response_template_id\": \"llm\"}]";

    @TempDir
    Path dir;
    Safety safety;
    final PrometheusRegistry registry = new PrometheusRegistry();

    @AfterEach
    void close() {
        if (safety != null) {
            safety.close();
        }
    }

    Extension extension(int holdbackTokens) throws Exception {
        final GatewayConfig config = ConfigLoader.load(Files.writeString(dir.resolve("t.yaml"), TEMPLATES),
                                                       Set.of("safety"));
        safety = Safety.create(() -> FAKE).templatesFromConfig(() -> config);
        registry.register(safety.metrics());
        return safety.factory().create(new ExtensionSpec(
                "screen", Safety.SERVICE, List.of("RequestBody", "ResponseHeaders", "ResponseBody"),
                Duration.ofSeconds(1), false,
                Map.of(SafetySettings.SETTINGS_KEY, SETTINGS,
                       SafetySettings.HOLDBACK_KEY, String.valueOf(holdbackTokens))));
    }

    static ExtensionCall call(String body) {
        final ExtensionCall call = new ExtensionCall("req-1");
        call.request(OpenAiRequestParser.parse(body.getBytes(StandardCharsets.UTF_8)));
        return call;
    }

    static ExtensionResult run(Extension e, ExtensionCall call, ExtensionEvent event, String data, boolean end)
            throws Exception {
        return e.handle(call, new ExtensionMessage.Body(event, HttpData.ofUtf8(data), end)).get(10, TimeUnit.SECONDS);
    }

    static String chat(String model, String... userThenOthers) {
        final StringBuilder b = new StringBuilder("{\"model\":\"" + model + "\",\"messages\":[");
        for (int i = 0; i < userThenOthers.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"role\":\"").append(userThenOthers[i]).append("\",\"content\":")
             .append(JSON.writeValueAsString(userThenOthers[i + 1])).append('}');
        }
        return b.append("]}").toString();
    }

    @Test
    void blocksAnInjectedPromptAsTheGkeIntegrationDoes() throws Exception {
        final Extension e = extension(8);
        final ExtensionResult r = run(e, call(chat("any", "user", "please INJECT this")),
                                      ExtensionEvent.REQUEST_BODY, chat("any", "user", "please INJECT this"), true);
        assertThat(r).isInstanceOfSatisfying(ExtensionResult.ImmediateResponse.class, ir -> {
            assertThat(ir.status().code()).isEqualTo(403);
            assertThat(ir.headers()).containsEntry("content-type", "text/plain");
            assertThat(ir.body().toStringUtf8()).isEqualTo(
                    "{\"error\":{\"message\":\"Malicious trial\",\"type\":\"bad_request_error\",\"param\":\"\"," +
                    "\"code\":\"\"}}");
        });
        assertThat(scrape()).contains("sluice_safety_actions_total{action=\"blocked\",direction=\"prompt\"," +
                                      "template=\"llm\"} 1.0");
    }

    @Test
    void customCodesAndMessagesPerDirection() throws Exception {
        final Extension e = extension(8);
        final String body = chat("custom-model", "system", "You INJECT things");
        final ExtensionResult r = run(e, call(body), ExtensionEvent.REQUEST_BODY, body, true);
        assertThat(r).isInstanceOfSatisfying(ExtensionResult.ImmediateResponse.class, ir -> {
            assertThat(ir.status().code()).isEqualTo(400);
            assertThat(ir.body().toStringUtf8()).contains("\"message\":\"Prompt refused by policy\"")
                                                .contains("\"code\":\"400\"");
        });
        final ExtensionCall c = call(chat("custom-model", "user", "hello there you"));
        final ExtensionResult res = run(e, c, ExtensionEvent.RESPONSE_BODY,
                                        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\"," +
                                        "\"content\":\"step one: build the BOMB\"}}]}", true);
        assertThat(res).isInstanceOfSatisfying(ExtensionResult.ImmediateResponse.class, ir -> {
            assertThat(ir.status().code()).isEqualTo(451);
            assertThat(ir.body().toStringUtf8()).contains("\"message\":\"Response withheld\"");
        });
    }

    @Test
    void assistantHistoryIsNotScreenedButToolOutputIs() throws Exception {
        final Extension e = extension(8);
        final String history = chat("any", "user", "what did you say before", "assistant", "I said BOMB once");
        assertThat(run(e, call(history), ExtensionEvent.REQUEST_BODY, history, true))
                .isEqualTo(ExtensionResult.proceed());
        final String tool = chat("any", "user", "summarise the page", "tool", "page says: INJECT now");
        assertThat(run(e, call(tool), ExtensionEvent.REQUEST_BODY, tool, true))
                .isInstanceOf(ExtensionResult.ImmediateResponse.class);
        final String parts = "{\"model\":\"any\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"," +
                             "\"text\":\"BO\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}," +
                             "{\"type\":\"text\",\"text\":\"MB how to\"}]}]}";
        assertThat(run(e, call(parts), ExtensionEvent.REQUEST_BODY, parts, true))
                .as("parts are joined with a separator, so BO + MB does not make BOMB")
                .isEqualTo(ExtensionResult.proceed());
        final String completions = "{\"model\":\"any\",\"prompt\":[\"fine\",\"build a BOMB now\"]}";
        assertThat(run(e, call(completions), ExtensionEvent.REQUEST_BODY, completions, true))
                .isInstanceOf(ExtensionResult.ImmediateResponse.class);
    }

    @Test
    void inspectOnlyLetsMatchesThroughAndRecordsThem() throws Exception {
        final Extension e = extension(8);
        final String body = chat("watched", "user", "please INJECT this");
        assertThat(run(e, call(body), ExtensionEvent.REQUEST_BODY, body, true)).isEqualTo(ExtensionResult.proceed());
        assertThat(scrape()).contains("sluice_safety_actions_total{action=\"inspect_only\",direction=\"prompt\"," +
                                      "template=\"watch\"} 1.0")
                            .contains("sluice_safety_filter_matches_total{direction=\"prompt\"," +
                                      "filter=\"pi_and_jailbreak\",template=\"watch\"} 1.0");
    }

    @Test
    void promptsWithoutATemplatePass() throws Exception {
        final Extension e = extension(8);
        final String body = chat("open", "user", "please INJECT this");
        assertThat(run(e, call(body), ExtensionEvent.REQUEST_BODY, body, true)).isEqualTo(ExtensionResult.proceed());
    }

    @Test
    void deidentifiesPromptsAndResponsesInsteadOfBlocking() throws Exception {
        final Extension e = extension(8);
        final String body = chat("masked", "system", "be brief", "user", "my password is SECRET-1234 ok");
        final ExtensionResult r = run(e, call(body), ExtensionEvent.REQUEST_BODY, body, true);
        assertThat(r).isInstanceOfSatisfying(ExtensionResult.Continue.class, c -> {
            final JsonNode rewritten = JSON.readTree(c.body().array());
            assertThat(rewritten.at("/messages/1/content").asString()).isEqualTo("my password is [PASSWORD] ok");
            assertThat(rewritten.at("/messages/0/content").asString()).isEqualTo("be brief");
            assertThat(rewritten.get("model").asString()).isEqualTo("masked");
        });
        final ExtensionResult res = run(e, call(body), ExtensionEvent.RESPONSE_BODY,
                                        "{\"id\":\"x\",\"choices\":[{\"index\":0,\"text\":\"use SECRET-1234\"}]}",
                                        true);
        assertThat(res).isInstanceOfSatisfying(ExtensionResult.Continue.class, c ->
                assertThat(c.body().toStringUtf8())
                        .isEqualTo("{\"id\":\"x\",\"choices\":[{\"index\":0,\"text\":\"use [PASSWORD]\"}]}"));
    }

    @Test
    void screensEveryChoiceOfAPlainResponse() throws Exception {
        final Extension e = extension(8);
        final ExtensionCall c = call(chat("any", "user", "hello there you"));
        final String clean = "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"fine\"}}]}";
        assertThat(run(e, c, ExtensionEvent.RESPONSE_BODY, clean, true)).isEqualTo(ExtensionResult.proceed());
        final String second = "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"fine\"}}," +
                              "{\"index\":1,\"message\":{\"content\":\"a BOMB recipe\"}}]}";
        assertThat(run(e, call(chat("any", "user", "hi you there")), ExtensionEvent.RESPONSE_BODY, second, true))
                .isInstanceOf(ExtensionResult.ImmediateResponse.class);
    }

    /* ------------------------------------------------------------------------------------------ streams */

    static String event(String content) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"any\"," +
               "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + JSON.writeValueAsString(content) + "}," +
               "\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    }

    static final String ROLE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," +
                               "\"model\":\"any\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"," +
                               "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    static final String FINISH = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," +
                                 "\"model\":\"any\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null," +
                                 "\"finish_reason\":\"stop\"}]}\n\n";
    static final String DONE = "data: [DONE]\n\n";

    /** What the client received: the released text, and whether the stream ended with an error event. */
    record Received(String text, List<String> events, @org.jspecify.annotations.Nullable String error) {}

    static Received stream(Extension e, List<String> runs) throws Exception {
        final ExtensionCall c = call("{\"model\":\"any\",\"stream\":true,\"messages\":[{\"role\":\"user\"," +
                                     "\"content\":\"tell me a story\"}]}");
        final StringBuilder text = new StringBuilder();
        final List<String> events = new ArrayList<>();
        for (int i = 0; i <= runs.size(); i++) {
            final boolean end = i == runs.size();
            final ExtensionResult r = run(e, c, ExtensionEvent.RESPONSE_BODY, end ? "" : runs.get(i), end);
            if (r instanceof ExtensionResult.ImmediateResponse ir) {
                return new Received(text.toString(), events, ir.body().toStringUtf8());
            }
            final ExtensionResult.Continue cont = (ExtensionResult.Continue) r;
            final byte[] out = cont.body() != null ? cont.body().array()
                                                   : (end ? "" : runs.get(i)).getBytes(StandardCharsets.UTF_8);
            final SseFrameSplitter splitter = new SseFrameSplitter();
            final List<byte[]> evs = new ArrayList<>(splitter.feed(out));
            for (byte[] ev : evs) {
                final String data = SseFrameSplitter.data(ev);
                events.add(data);
                if (data != null && !data.startsWith("[DONE]")) {
                    final JsonNode n = JSON.readTree(data);
                    // Every event keeps the OpenAI chunk shape.
                    assertThat(n.get("object").asString()).isEqualTo("chat.completion.chunk");
                    assertThat(n.get("id").asString()).isEqualTo("chatcmpl-1");
                    text.append(n.at("/choices/0/delta/content").asString(""));
                }
            }
        }
        return new Received(text.toString(), events, null);
    }

    @Test
    void aCleanStreamIsReleasedWholeInOrder() throws Exception {
        final Extension e = extension(4);
        final List<String> runs = new ArrayList<>();
        runs.add(ROLE);
        final StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            final String token = (i == 0 ? "" : " ") + "word" + i;
            expected.append(token);
            runs.add(event(token) + (i % 3 == 0 ? event("") : ""));
        }
        runs.add(FINISH + DONE);
        final Received got = stream(e, runs);
        assertThat(got.error()).isNull();
        assertThat(got.text()).isEqualTo(expected.toString());
        assertThat(got.events().get(0)).contains("\"role\":\"assistant\"");
        assertThat(got.events().subList(got.events().size() - 2, got.events().size()))
                .satisfiesExactly(f -> assertThat(f).contains("\"finish_reason\":\"stop\""),
                                  d -> assertThat(d).isEqualTo("[DONE]"));
    }

    @Test
    void aRoleGoesBeforeItsTextAndAFinishReasonAfter() throws Exception {
        final Extension e = extension(2);
        final String first = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," +
                             "\"model\":\"any\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"," +
                             "\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n";
        final String last = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," +
                            "\"model\":\"any\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"}," +
                            "\"finish_reason\":\"stop\"}]}\n\n";
        final Received got = stream(e, List.of(first, last + DONE));
        assertThat(got.text()).isEqualTo("Hello world");
        final List<String> events = got.events();
        assertThat(events.get(0)).contains("\"role\":\"assistant\",\"content\":\"\"");
        assertThat(events.subList(1, events.size() - 2)).isNotEmpty()
                                                        .allSatisfy(t -> assertThat(t).doesNotContain("role")
                                                                                      .doesNotContain("\"stop\""));
        assertThat(events.get(events.size() - 2)).contains("\"content\":\"\"},\"finish_reason\":\"stop\"");
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    }

    @Test
    void aViolationSplitAcrossEventsIsCaughtAndNothingPastTheWindowLeaks() throws Exception {
        final int holdbackTokens = 4;
        final Extension e = extension(holdbackTokens);
        final List<String> runs = new ArrayList<>();
        final StringBuilder before = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            final String token = " safe" + i;
            before.append(token);
            runs.add(event(token));
        }
        // "BOMB" arrives split over two events in two separate runs, then more text follows.
        runs.add(event(" BO"));
        runs.add(event("MB") + event(" and"));
        runs.add(event(" more text") + FINISH + DONE);
        final Received got = stream(e, runs);
        assertThat(got.error()).isEqualTo("{\"error\":{\"message\":\"Malicious trial\",\"type\":" +
                                          "\"bad_request_error\",\"param\":\"\",\"code\":\"\"}}");
        assertThat(got.text()).doesNotContain("BO").doesNotContain("MB");
        assertThat(before.toString()).startsWith(got.text());
        // Everything up to one window before the violation was released.
        assertThat(got.text().length())
                .isGreaterThanOrEqualTo(before.length() - holdbackTokens * SafetySettings.CHARS_PER_TOKEN);
        assertThat(scrape()).contains("sluice_safety_actions_total{action=\"blocked\",direction=\"response\"," +
                                      "template=\"llm\"} 1.0");
    }

    @Test
    void aViolationInsideOneChunkIsCaughtBeforeAnyOfItIsReleased() throws Exception {
        final Extension e = extension(2);
        final Received got = stream(e, List.of(ROLE, event("Sure. Here is how to build a BOMB: first"),
                                               FINISH + DONE));
        assertThat(got.error()).contains("Malicious trial");
        assertThat(got.text()).isEmpty();
    }

    @Test
    void deidentifyingTemplatesReleaseMaskedStreamsWithoutSplittingAFinding() throws Exception {
        // The window (16 characters) is longer than the secret (11): a value longer than the window could have its
        // first characters released before it is recognisable.
        final Extension e = extension(4);
        final ExtensionCall c = call("{\"model\":\"masked\",\"stream\":true,\"messages\":[{\"role\":\"user\"," +
                                     "\"content\":\"what is the code\"}]}");
        final StringBuilder text = new StringBuilder();
        final List<String> runs = List.of(event("the code you asked for is SEC"), event("RET-12"),
                                          event("34 and that is all I can say"), FINISH + DONE, "");
        for (int i = 0; i < runs.size(); i++) {
            final ExtensionResult r = run(e, c, ExtensionEvent.RESPONSE_BODY, runs.get(i), i == runs.size() - 1);
            final byte[] out = ((ExtensionResult.Continue) r).body().array();
            for (byte[] ev : new SseFrameSplitter().feed(out)) {
                final String data = SseFrameSplitter.data(ev);
                if (data != null && !data.startsWith("[DONE]")) {
                    final String piece = JSON.readTree(data).at("/choices/0/delta/content").asString("");
                    assertThat(piece).as("no release holds part of the secret").doesNotContain("SEC")
                                     .doesNotContain("RET").doesNotContain("34 and");
                    text.append(piece);
                }
            }
        }
        assertThat(text.toString()).isEqualTo("the code you asked for is [PASSWORD] and that is all I can say");
    }

    @Test
    void completionsStreamsKeepTheirShapeAndSecondChoicesAreHeldWhole() throws Exception {
        final Extension e = extension(2);
        final ExtensionCall c = call("{\"model\":\"any\",\"stream\":true,\"prompt\":\"tell me\"}");
        final String one = "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"any\"," +
                           "\"choices\":[{\"index\":0,\"text\":\"hello there my good friend\",\"logprobs\":null," +
                           "\"finish_reason\":null}]}\n\n";
        final ExtensionResult r1 = run(e, c, ExtensionEvent.RESPONSE_BODY, one, false);
        final String released = ((ExtensionResult.Continue) r1).body().toStringUtf8();
        assertThat(released).startsWith("data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1," +
                                        "\"model\":\"any\",\"choices\":[{\"index\":0,\"text\":\"hello there my good\"," +
                                        "\"logprobs\":null,\"finish_reason\":null}]}");
        final String second = "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1," +
                              "\"model\":\"any\",\"choices\":[{\"index\":1,\"text\":\"a BOMB\"}]}\n\n";
        assertThat(((ExtensionResult.Continue) run(e, c, ExtensionEvent.RESPONSE_BODY, second, false)).body()
                                                                                                       .length())
                .isZero();
        assertThat(run(e, c, ExtensionEvent.RESPONSE_BODY, "", true))
                .isInstanceOf(ExtensionResult.ImmediateResponse.class);
    }

    String scrape() throws Exception {
        final var out = new java.io.ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
