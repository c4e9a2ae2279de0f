package dev.sluice.bench.jmh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.apim.limit.InMemoryRateLimiter;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.limit.RateLimiter;
import dev.sluice.apim.limit.RateLimiter.Admission;
import dev.sluice.apim.limit.RateLimiter.AdmissionRequest;
import dev.sluice.apim.limit.RateLimiter.Charge;
import dev.sluice.apim.limit.RateLimiter.SpikeCheck;
import dev.sluice.apim.limit.RedisRateLimiter;
import dev.sluice.apim.limit.SpikeArrestRate;

/**
 * What one rate-limit decision costs, end to end from {@code admit} to its answer: a spike arrest, a calendar request
 * quota, a rolling request quota and a token quota (what a product with every kind of limit asks), in process
 * ({@code backend=memory}) and in a local {@code redis-server} this benchmark starts on a free loopback port
 * ({@code backend=redis}: one {@code EVALSHA} round trip). Sample mode reports p50 and p99. The limits are far
 * above what a run can use, so every decision is a full admission.
 *
 * {@snippet :
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.openjdk.jmh.Main RateLimiterBenchmark
 * }
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "--sun-misc-unsafe-memory-access=allow", "-Xmx1g" })
public class RateLimiterBenchmark {

    @Param({ "memory", "redis" })
    public String backend;

    private Process redis;
    private Path redisDir;
    private int port;
    private RateLimiter limiter;
    private AdmissionRequest request;

    @Setup
    public void setUp() throws Exception {
        if ("redis".equals(backend)) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            redisDir = Files.createTempDirectory("sluice-bench-redis-");
            redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no", "--dir", redisDir.toString())
                    .redirectErrorStream(true).redirectOutput(redisDir.resolve("redis.log").toFile()).start();
            awaitPort(port);
            limiter = RedisRateLimiter.builder("redis://127.0.0.1:" + port).timeout(Duration.ofSeconds(1))
                                      .failureMode(RedisRateLimiter.FailureMode.CLOSED).build();
        } else {
            limiter = new InMemoryRateLimiter(Clock.systemUTC());
        }
        request = new AdmissionRequest(
                new SpikeCheck("product|app:app-1", SpikeArrestRate.parse("999999999ps")),
                List.of(new Charge("product|app:app-1", new Quota(Quota.Metric.REQUESTS, Long.MAX_VALUE / 4, 1,
                                                                  Quota.TimeUnit.MINUTE, Quota.Type.CALENDAR), 1),
                        new Charge("product|app:app-1", new Quota(Quota.Metric.REQUESTS, Long.MAX_VALUE / 4, 1,
                                                                  Quota.TimeUnit.HOUR, Quota.Type.ROLLING_WINDOW), 1),
                        new Charge("product|app:app-1", new Quota(Quota.Metric.TOTAL_TOKENS, Long.MAX_VALUE / 4, 1,
                                                                  Quota.TimeUnit.DAY, Quota.Type.CALENDAR), 300)));
        if (!limiter.admit(request).join().allowed()) {
            throw new IllegalStateException("the benchmark's request should be admitted");
        }
    }

    private static void awaitPort(int port) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not start (apt-get install -y redis-server)");
    }

    @TearDown
    public void tearDown() throws Exception {
        limiter.close();
        if (redis != null) {
            // Redis's own time per script call, to tell the script's cost from the round trip's.
            System.out.println("\nredis-server " + commandStats(port, "cmdstat_evalsha"));
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(redisDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String commandStats(int port, String prefix) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.getOutputStream().write("INFO commandstats\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            final java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
                if (line.isEmpty()) {
                    break;
                }
            }
            return prefix + ": (none)";
        }
    }

    /** One decision: spike arrest plus three quotas, charged atomically. */
    @Benchmark
    public Admission decide() {
        return limiter.admit(request).join();
    }
}
