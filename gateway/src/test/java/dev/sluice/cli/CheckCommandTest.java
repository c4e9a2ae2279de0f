package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code sluice check} validates a configuration and names the file and line of every problem. */
class CheckCommandTest {

    @TempDir
    Path dir;

    private int check(Path config, StringWriter err, StringWriter out) {
        final CommandLine cmd = new CommandLine(new SluiceCommand());
        cmd.setErr(new PrintWriter(err));
        cmd.setOut(new PrintWriter(out));
        final java.io.PrintStream oldErr = System.err;
        final java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            return cmd.execute("check", "--config", config.toString());
        } finally {
            System.setErr(oldErr);
            err.write(captured.toString());
        }
    }

    @Test
    void quickstart_isValid() {
        assertThat(check(Path.of("..", "examples", "quickstart"), new StringWriter(), new StringWriter()))
                .isZero();
    }

    @Test
    void invalidConfig_failsNamingFileLineResourceAndField() throws Exception {
        final Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: broken}
                spec:
                  rules:
                  - backendRefs:
                    - {group: inference.networking.k8s.io, kind: InferencePool, name: missing-pool, weight: 5}
                """);
        final StringWriter err = new StringWriter();
        assertThat(check(f, err, new StringWriter())).isEqualTo(1);
        assertThat(err.toString()).contains("bad.yaml:7").contains("HTTPRoute/broken")
                                  .contains("backendRefs[0]").contains("missing-pool");
    }
}
