package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * {@code deploy/prometheus/alerts.yaml} is the seed's file, and {@code promtool} accepts it and passes its unit tests
 * ({@code alerts_test.yaml}). Skipped only when {@code promtool} is not installed; {@code .ci/run} installs it.
 */
class PromtoolRulesTest {

    /** The seed's alerts.yaml as printed on the page (its line breaks were lost), whitespace collapsed. */
    static final String SEED_ALERTS =
            "groups: - name: gateway-api-inference-extension rules: - alert: HighInferenceRequestLatencyP99 " +
            "annotations: title: 'High latency (P99) for model {{ $labels.model_name }}' description: 'The 99th " +
            "percentile request duration for model {{ $labels.model_name }} and target model {{ " +
            "$labels.target_model_name }} has been consistently above 10.0 seconds for 5 minutes.' expr: " +
            "histogram_quantile(0.99, rate(inference_model_request_duration_seconds_bucket[5m])) > 10.0 for: 5m " +
            "labels: severity: 'warning' - alert: HighInferenceErrorRate annotations: title: 'High error rate " +
            "for model {{ $labels.model_name }}' description: 'The error rate for model {{ $labels.model_name }} " +
            "and target model {{ $labels.target_model_name }} has been consistently above 5% for 5 minutes.' " +
            "expr: sum by (model_name) (rate(inference_model_request_error_total[5m])) / sum by (model_name) " +
            "(rate(inference_model_request_total[5m])) > 0.05 for: 5m labels: severity: 'critical' impact: " +
            "'availability' - alert: HighInferencePoolAvgQueueSize annotations: title: 'High average queue size " +
            "for inference pool {{ $labels.name }}' description: 'The average number of requests pending in the " +
            "queue for inference pool {{ $labels.name }} has been consistently above 50 for 5 minutes.' expr: " +
            "inference_pool_average_queue_size > 50 for: 5m labels: severity: 'critical' impact: 'performance' - " +
            "alert: HighInferencePoolAvgKVCacheUtilization annotations: title: 'High KV cache utilization for " +
            "inference pool {{ $labels.name }}' description: 'The average KV cache utilization for inference " +
            "pool {{ $labels.name }} has been consistently above 90% for 5 minutes, indicating potential " +
            "resource exhaustion.' expr: inference_pool_average_kv_cache_utilization > 0.9 for: 5m labels: " +
            "severity: 'critical' impact: 'resource_exhaustion'";

    static Path deploy() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/prometheus"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository's deploy/prometheus folder").isNotNull();
        return dir.resolve("deploy");
    }

    static String promtool() {
        for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
            if (Files.isExecutable(Path.of(d, "promtool"))) {
                return d + "/promtool";
            }
        }
        final String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (Files.isExecutable(Path.of(d, "promtool"))) {
                    return d + "/promtool";
                }
            }
        }
        return null;
    }

    static String run(Path dir, String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void alertsAreTheSeedsVerbatim() throws IOException {
        final String file = Files.readString(deploy().resolve("prometheus/alerts.yaml"));
        // Rebuild the seed's flattened form: YAML list dashes and line breaks become single spaces.
        final String flattened = file.replaceAll("\\s+", " ").trim();
        assertThat(flattened).isEqualTo(SEED_ALERTS);
    }

    @Test
    void promtoolChecksAndTestsTheRules() throws Exception {
        final String promtool = promtool();
        assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus)");
        final Path dir = deploy().resolve("prometheus");
        assertThat(run(dir, promtool, "check", "rules", "alerts.yaml")).contains("SUCCESS: 4 rules found");
        assertThat(run(dir, promtool, "test", "rules", "alerts_test.yaml")).contains("SUCCESS");
    }
}
