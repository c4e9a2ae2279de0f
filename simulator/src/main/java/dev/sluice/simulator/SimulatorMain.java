package dev.sluice.simulator;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one {@link SimulatorServer} from the command line until the process is interrupted.
 *
 * <pre>
 * --model NAME         base model name (default: sim-model)
 * --lora A,B           LoRA adapter names
 * --host HOST          address to bind (default: 127.0.0.1)
 * --port PORT          port to bind, 0 for any (default: 8000, as vLLM)
 * --ttft-ms MS         time to first token (default: 50)
 * --itl-ms MS          inter-token latency (default: 10)
 * --output-tokens N    tokens per response (default: 16)
 * --seed N             seed of the output text (default: 42)
 * </pre>
 */
public final class SimulatorMain {

    private static final String USAGE =
            "usage: simulator [--model NAME] [--lora A,B] [--host HOST] [--port PORT] [--ttft-ms MS] " +
            "[--itl-ms MS] [--output-tokens N] [--seed N]";

    /**
     * Starts a simulator with the given flags, prints where it listens and waits until interrupted.
     */
    public static void main(String[] args) throws InterruptedException {
        final SimulatorServer server;
        try {
            final Options options = Options.parse(args);
            server = SimulatorServer.start(options.config, options.host, options.port);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        System.out.println("simulator listening on http://" + server.host() + ':' + server.port() +
                           " serving " + server.config().model());
        stopped.await();
    }

    private SimulatorMain() {}

    /** Parsed command-line flags. */
    record Options(SimulatorConfig config, String host, int port) {

        static Options parse(String... args) {
            String model = "sim-model";
            List<String> loras = List.of();
            String host = "127.0.0.1";
            int port = 8000;
            final SimulatorConfig defaults = SimulatorConfig.builder("defaults").build();
            long ttftMillis = defaults.timeToFirstToken().toMillis();
            long itlMillis = defaults.interTokenLatency().toMillis();
            int outputTokens = defaults.outputTokens();
            long seed = defaults.seed();
            for (int i = 0; i < args.length; i++) {
                final String flag = args[i];
                if ("--help".equals(flag) || "-h".equals(flag)) {
                    throw new IllegalArgumentException("simulator: a vLLM-like model-server simulator");
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + ": missing value");
                }
                final String value = args[++i];
                switch (flag) {
                    case "--model" -> model = value;
                    case "--lora" -> loras = Arrays.stream(value.split(","))
                                                   .map(String::trim)
                                                   .filter(name -> !name.isEmpty())
                                                   .toList();
                    case "--host" -> host = value;
                    case "--port" -> port = (int) number(flag, value);
                    case "--ttft-ms" -> ttftMillis = number(flag, value);
                    case "--itl-ms" -> itlMillis = number(flag, value);
                    case "--output-tokens" -> outputTokens = (int) number(flag, value);
                    case "--seed" -> seed = number(flag, value);
                    default -> throw new IllegalArgumentException(flag + ": unknown flag");
                }
            }
            final SimulatorConfig config = SimulatorConfig.builder(model)
                                                          .loraAdapters(loras)
                                                          .timeToFirstToken(Duration.ofMillis(ttftMillis))
                                                          .interTokenLatency(Duration.ofMillis(itlMillis))
                                                          .outputTokens(outputTokens)
                                                          .seed(seed)
                                                          .build();
            return new Options(config, host, port);
        }

        private static long number(String flag, String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": " + value + " (expected: an integer)");
            }
        }
    }
}
