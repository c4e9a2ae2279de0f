package dev.sluice.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import dev.sluice.bench.proxy.ArmStartException;
import dev.sluice.bench.proxy.Arms;
import dev.sluice.bench.proxy.BenchmarkRunner;
import dev.sluice.bench.proxy.RequiredTools;
import dev.sluice.bench.proxy.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command-line entry point of the proxy-overhead benchmark ({@code ./sluice bench proxy}). */
@Command(name = "sluice bench proxy", mixinStandardHelpOptions = true, sortOptions = false,
        version = "Sluice proxy-overhead benchmark",
        description = {
            "Measures what a proxy costs: wrk against a fixed nginx backend directly, through nginx, through HAProxy "
                    + "and through Sluice, in interleaved rounds.",
            "Prints median throughput ratios, added latency at concurrency 1 and proxy CPU per request.",
            "Needs the Debian packages wrk, nginx and haproxy (scripts/install-bench-tools)."})
public final class ProxyOverheadBenchmark implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "5", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "SECONDS",
            description = "Length of each wrk run (default: ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "SECONDS",
            description = "wrk warm-up through Sluice before measuring, for the JIT (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--connections", defaultValue = "32",
            description = "wrk connections in the throughput phase (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--threads", defaultValue = "1",
            description = "wrk threads in the throughput phase (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--skip-sluice", description = "Run only direct, nginx and HAProxy.")
    boolean skipSluice;

    @Option(names = "--sluice-jar", paramLabel = "PATH",
            description = "Sluice's runnable jar (default: gateway/target/sluice-gateway-*-all.jar in this repo).")
    Path sluiceJar;

    @Option(names = "--sluice-java", paramLabel = "PATH",
            description = "java to run Sluice with (default: the java running this benchmark).")
    Path sluiceJava;

    @Option(names = "--sluice-java-opts", paramLabel = "\"OPTS\"",
            description = "JVM options for Sluice, space-separated (default: --sun-misc-unsafe-memory-access=allow "
                    + "--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC).")
    String sluiceJavaOpts;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path jsonFile;

    @Option(names = "--keep-temp", description = "Keep the temp directory with configs and logs.")
    boolean keepTemp;

    private final List<String> arguments;

    ProxyOverheadBenchmark(String[] arguments) {
        this.arguments = List.of(arguments);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProxyOverheadBenchmark(args)).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (rounds < 1 || durationSeconds < 1 || warmupSeconds < 0 || threads < 1 || connections < threads) {
            System.err.println("need --rounds >= 1, --duration >= 1, --warmup >= 0, --threads >= 1 and "
                    + "--connections >= --threads (wrk's rule)");
            return 2;
        }
        RequiredTools tools = RequiredTools.locate(System.getenv("PATH"));
        if (!tools.allFound()) {
            System.err.println(tools.missingMessage());
            return 2;
        }
        try {
            return new BenchmarkRunner(settings(), tools, System.out).run();
        } catch (InterruptedException e) {
            System.err.println("benchmark cancelled; every process it started has been stopped");
            return 130;
        } catch (ArmStartException e) {
            System.err.println("cannot benchmark: " + e.getMessage());
            return 1;
        }
    }

    private Settings settings() {
        Arms.SluiceLaunch launch = null;
        String skipped = null;
        if (skipSluice) {
            skipped = "--skip-sluice was given";
        } else {
            Optional<Path> jar = sluiceJar != null ? Optional.of(sluiceJar) : defaultSluiceJar();
            if (jar.isEmpty() || !Files.isRegularFile(jar.get())) {
                skipped = "no Sluice jar at " + jar.map(Path::toString).orElse("gateway/target/sluice-gateway-*-all.jar")
                        + " (build it with: mvn -B -q -pl gateway -am package -DskipTests, or pass --sluice-jar)";
            } else {
                Path java = sluiceJava != null ? sluiceJava : Path.of(System.getProperty("java.home"), "bin", "java");
                List<String> options = sluiceJavaOpts != null
                        ? Arrays.stream(sluiceJavaOpts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList()
                        : Arms.SluiceLaunch.defaultJavaOptions(Runtime.version().feature());
                launch = new Arms.SluiceLaunch(java, options, jar.get().toAbsolutePath());
            }
        }
        return new Settings(rounds, durationSeconds, warmupSeconds, connections, threads, launch, skipped, jsonFile,
                keepTemp, arguments);
    }

    /** The gateway's shaded jar in the repo this benchmark runs from: searched above the cwd, then above our jar. */
    private static Optional<Path> defaultSluiceJar() {
        return Stream.concat(Stream.of(Path.of("").toAbsolutePath()), ownLocation().stream())
                .map(ProxyOverheadBenchmark::repoRootAbove).flatMap(Optional::stream).findFirst()
                .map(root -> root.resolve("gateway").resolve("target"))
                .map(target -> newestShadedJar(target).orElse(target.resolve("sluice-gateway-0.1.0-SNAPSHOT-all.jar")));
    }

    private static Optional<Path> repoRootAbove(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("gateway/pom.xml")) && Files.isRegularFile(dir.resolve("bench/pom.xml"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> ownLocation() {
        try {
            return Optional.of(Path.of(ProxyOverheadBenchmark.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()));
        } catch (URISyntaxException | NullPointerException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> newestShadedJar(Path target) {
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("sluice-gateway-.*-all\\.jar"))
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
