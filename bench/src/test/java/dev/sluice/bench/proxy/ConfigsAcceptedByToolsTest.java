package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Asks the installed nginx and HAProxy to check the rendered configs; skipped where they are not installed. */
class ConfigsAcceptedByToolsTest {

    @TempDir
    Path tmp;

    @Test
    void nginxAcceptsBothConfigs() throws Exception {
        Optional<Path> nginx = RequiredTools.find("nginx", System.getenv("PATH"));
        assumeTrue(nginx.isPresent(), "nginx is not installed");
        for (String name : List.of("backend", "proxy")) {
            Path dir = Files.createDirectories(tmp.resolve(name));
            Files.writeString(dir.resolve("nginx.conf"), name.equals("backend") ? Configs.nginxBackend(dir, 41000)
                    : Configs.nginxProxy(dir, 41001, 41000));
            Result r = run(List.of(nginx.get().toString(), "-t", "-q", "-p", dir + "/", "-e",
                    dir.resolve("error.log").toString(), "-c", dir.resolve("nginx.conf").toString()));
            assertThat(r.exitCode()).as(name + ": " + r.output()).isZero();
        }
    }

    @Test
    void haproxyAcceptsItsConfig() throws Exception {
        Optional<Path> haproxy = RequiredTools.find("haproxy", System.getenv("PATH"));
        assumeTrue(haproxy.isPresent(), "haproxy is not installed");
        Path cfg = tmp.resolve("haproxy.cfg");
        Files.writeString(cfg, Configs.haproxy(41002, 41000));

        Result r = run(List.of(haproxy.get().toString(), "-c", "-f", cfg.toString()));

        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }
}
