package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** The simulator-only {@code sim_reply} request field: the answer is the given text. */
class ReplyFieldTest {

    private static SimulatorServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        server = SimulatorServer.start(SimulatorConfig.builder("m").timeToFirstToken(Duration.ofMillis(1))
                                                      .interTokenLatency(Duration.ofMillis(1)).outputTokens(3)
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void answersWithTheReplyWhateverTheConfiguredLength() {
        final JsonNode body = json(http.post("/v1/chat/completions",
                                             "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," +
                                             "\"sim_reply\":\"one two  three four five\"}").body());
        assertThat(body.at("/choices/0/message/content").stringValue()).isEqualTo("one two  three four five");
        assertThat(body.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        assertThat(body.at("/usage/completion_tokens").intValue()).isEqualTo(5);
    }

    @Test
    void maxTokensCutsTheReplyAndStreamsTokenByToken() {
        final HttpResponse<String> res = http.post("/v1/completions",
                                                   "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":2," +
                                                   "\"stream\":true,\"sim_reply\":\"alpha beta gamma\"}");
        assertThat(res.body()).contains("\"text\":\"alpha\"").contains("\"text\":\" beta\"")
                              .doesNotContain("gamma").contains("\"finish_reason\":\"length\"");
    }

    @Test
    void rejectsANonStringReply() {
        final HttpResponse<String> res = http.post("/v1/completions",
                                                   "{\"model\":\"m\",\"prompt\":\"hi\",\"sim_reply\":5}");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).contains("sim_reply: 5 (expected: a string)");
    }
}
