package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs wrk with the benchmark's Lua script against one 127.0.0.1 port and parses what it prints. */
public final class WrkRunner {

    private final Path wrk;
    private final Path script;

    public WrkRunner(Path wrk, Path script) {
        this.wrk = wrk;
        this.script = script;
    }

    public List<String> command(int port, int threads, int connections, int seconds) {
        return command(Integer.toString(port), threads, connections, seconds);
    }

    /** The command with {@code <PORT>} for the port, to print once for all arms. */
    public List<String> commandTemplate(int threads, int connections, int seconds) {
        return command("<PORT>", threads, connections, seconds);
    }

    private List<String> command(String port, int threads, int connections, int seconds) {
        return List.of(wrk.toString(), "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "-s",
                script.toString(), "http://127.0.0.1:" + port + Configs.REQUEST_PATH);
    }

    public WrkResult run(int port, int threads, int connections, int seconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(port, threads, connections, seconds))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            // wrk stops itself after the duration; the margin only covers start-up and a stuck target.
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                return WrkOutputParser.parse(output).withExitCode(-1);
            }
            return WrkOutputParser.parse(output).withExitCode(process.exitValue());
        } finally {
            process.destroyForcibly();
        }
    }
}
