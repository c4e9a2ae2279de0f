package dev.sluice.bench.apim;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.ApiManagement;
import dev.sluice.apim.ApiProduct;
import dev.sluice.apim.ProductCatalog;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.limit.SpikeArrestRate;
import dev.sluice.apim.store.InMemoryKeyStore;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.extension.ExchangeEnd;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequest;
import dev.sluice.openai.OpenAiRequestParser;

/**
 * What API management costs a request in process, through the {@code api-management} extension as the gateway calls
 * it: the RequestHeaders event (key from {@code x-api-key}, SHA-256, credential cache hit, key/app/developer checks,
 * product operation match) and the RequestBody event (product model match, prompt token estimate, and one atomic
 * in-memory limiter decision: spike arrest, a request quota and a token quota with its reservation). Issue 5's goal
 * is p50 at most 20 µs for this ({@code keyCheckAndQuota}). {@code wholeRequest} adds settling the reservation and
 * counting the per-product metrics at the exchange's end ({@link ExtensionCall#end}). Analytics writing is off (it
 * happens on the writer's thread, off the request path). 1,000 keys are in the cache; each operation uses the next.
 *
 * {@snippet :
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.openjdk.jmh.Main ApiManagementBenchmark
 * }
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "--sun-misc-unsafe-memory-access=allow", "-Xmx1g" })
public class ApiManagementBenchmark {

    static final int KEYS = 1000;
    static final String BODY = "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"messages\":[{\"role\":\"user\"," +
                               "\"content\":\"Summarize the plot of Hamlet in three sentences, please.\"}]," +
                               "\"max_tokens\":200}";

    private ApiManagement apim;
    private Extension extension;
    private RequestHeaders[] headers;
    private OpenAiRequest request;
    private HttpData body;
    private ExchangeEnd end;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final Clock clock = Clock.systemUTC();
        final InMemoryKeyStore keys = new InMemoryKeyStore(clock);
        keys.createDeveloper("bench@example.com", null, null);
        // Limits high enough never to bite during a run: the decision is measured, not the refusal.
        final ApiProduct product = new ApiProduct(
                "gold", null, List.of("google/*", "meta-llama/*"),
                List.of(new ApiProduct.Operation("/v1/chat/completions", java.util.Set.of("POST"))),
                List.of(Quota.requests(1_000_000_000_000L, 1, Quota.TimeUnit.MINUTE),
                        new Quota(Quota.Metric.TOTAL_TOKENS, 1_000_000_000_000_000L, 1, Quota.TimeUnit.DAY,
                                  Quota.Type.ROLLING_WINDOW)),
                SpikeArrestRate.parse("100000000ps"), null, null, ApiProduct.QuotaIdentifier.KEY, 10);
        apim = ApiManagement.builder().clock(clock).keyStore(keys)
                            .products(() -> ProductCatalog.of(List.of(product))).build();
        extension = apim.factory().create(new ExtensionSpec(
                "apim", ApiManagement.SERVICE, List.of("RequestHeaders", "RequestBody"), Duration.ofSeconds(1),
                false, Map.of()));
        headers = new RequestHeaders[KEYS];
        for (int i = 0; i < KEYS; i++) {
            final String app = keys.createApp("bench@example.com", "app-" + i, List.of("gold")).id();
            headers[i] = RequestHeaders.builder(HttpMethod.POST, "/v1/chat/completions")
                                       .contentType(MediaType.JSON)
                                       .add("x-api-key", keys.createKey(app, null).secret()).build();
        }
        final byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
        request = OpenAiRequestParser.parse(bytes);
        body = HttpData.wrap(bytes);
        end = new ExchangeEnd(200, false, true, false, bytes.length, 600, 50_000_000, 49_000_000, "llama",
                              "meta-llama/Llama-3.1-8B-Instruct", 20, 180, 0, null, System.currentTimeMillis() * 1000);
        // Fill the credential cache: every operation is a hit.
        for (int i = 0; i < KEYS; i++) {
            if (!(admit(i).getValue() instanceof ExtensionResult.Continue)) {
                throw new IllegalStateException("warm-up request " + i + " was refused");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        apim.close();
    }

    /** One request's admission: its call and the body event's result. */
    private Map.Entry<ExtensionCall, ExtensionResult> admit(int i) {
        final ExtensionCall call = new ExtensionCall("bench");
        final ExtensionResult h = extension.handle(
                call, new ExtensionMessage.Headers(ExtensionEvent.REQUEST_HEADERS, headers[i])).join();
        if (h instanceof ExtensionResult.ImmediateResponse) {
            return Map.entry(call, h);
        }
        call.request(request);
        return Map.entry(call, extension.handle(
                call, new ExtensionMessage.Body(ExtensionEvent.REQUEST_BODY, body, true)).join());
    }

    @Benchmark
    public ExtensionResult keyCheckAndQuota() {
        // The reservation is left unsettled (the limits are far away); wholeRequest settles it.
        return admit(next++ % KEYS).getValue();
    }

    @Benchmark
    public ExtensionCall wholeRequest() {
        final Map.Entry<ExtensionCall, ExtensionResult> r = admit(next++ % KEYS);
        r.getKey().end(end);
        return r.getKey();
    }
}
