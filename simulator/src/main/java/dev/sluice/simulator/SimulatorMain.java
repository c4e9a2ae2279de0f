package dev.sluice.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

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
 * --seed N             seed of the output text and step-time jitter (default: 42)
 * --profile NAME       time engine steps like this hardware: qwen3-32b-tp2-h100, llama-8b-h100,
 *                      llama-8b-a10 (default: none, fixed --ttft-ms and --itl-ms)
 * --time-compression X run X times faster than real time (default: 1)
 * --kv-cache-blocks N  KV cache blocks of 16 tokens (default: the profile's, or 8192)
 * --max-num-seqs N     most sequences running at once (default: the profile's, or 256)
 * --max-num-batched-tokens N
 *                      token budget of one engine step (default: the profile's, or 8192)
 * --max-loras N        most LoRA adapters running at once (default: 4)
 * </pre>
 */
public final class SimulatorMain {

    private static final String USAGE =
            "usage: simulator [--model NAME] [--lora A,B] [--host HOST] [--port PORT] [--ttft-ms MS] " +
            "[--itl-ms MS] [--output-tokens N] [--seed N] [--profile NAME] [--time-compression X] " +
            "[--kv-cache-blocks N] [--max-num-seqs N] [--max-num-batched-tokens N] [--max-loras N]";

    /**
     * Starts a simulator with the given flags, prints where it listens and waits until interrupted.
     */
    public static void main(String[] args) throws InterruptedException {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            System.out.println("simulator: a vLLM-like model-server simulator\n" + USAGE);
            return;
        }
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
        final SimulatorConfig config = server.config();
        final SimulatorProfile profile = config.profile();
        System.out.println("simulator listening on http://" + server.host() + ':' + server.port() +
                           " serving " + config.model() +
                           (profile != null ? " as " + profile.name() : "") +
                           (config.timeCompression() != 1 ? " at " + config.timeCompression() + "x" : ""));
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
            // Applied once the model name is known.
            final List<Consumer<SimulatorConfig.Builder>> settings = new ArrayList<>();
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
                    case "--profile" -> {
                        final SimulatorProfile profile = SimulatorProfile.named(value);
                        settings.add(b -> b.profile(profile));
                    }
                    case "--time-compression" -> {
                        final double compression = decimal(flag, value);
                        settings.add(b -> b.timeCompression(compression));
                    }
                    case "--kv-cache-blocks" -> {
                        final int blocks = integer(flag, value);
                        settings.add(b -> b.kvCacheBlocks(blocks));
                    }
                    case "--max-num-seqs" -> {
                        final int seqs = integer(flag, value);
                        settings.add(b -> b.maxNumSeqs(seqs));
                    }
                    case "--max-num-batched-tokens" -> {
                        final int tokens = integer(flag, value);
                        settings.add(b -> b.maxNumBatchedTokens(tokens));
                    }
                    case "--max-loras" -> {
                        final int maxLoras = integer(flag, value);
                        settings.add(b -> b.maxLoras(maxLoras));
                    }
                    default -> throw new IllegalArgumentException(flag + ": unknown flag");
                }
            }
            final SimulatorConfig.Builder builder = SimulatorConfig.builder(model);
            settings.forEach(setting -> setting.accept(builder));
            final SimulatorConfig config = builder.loraAdapters(loras)
                                                  .timeToFirstToken(Duration.ofMillis(ttftMillis))
                                                  .interTokenLatency(Duration.ofMillis(itlMillis))
                                                  .outputTokens(outputTokens)
                                                  .seed(seed)
                                                  .build();
            return new Options(config, host, port);
        }

        private static int integer(String flag, String value) {
            final long number = number(flag, value);
            if (number != (int) number) {
                throw new IllegalArgumentException(flag + ": " + value + " (expected: an integer)");
            }
            return (int) number;
        }

        private static double decimal(String flag, String value) {
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": " + value + " (expected: a number)");
            }
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
