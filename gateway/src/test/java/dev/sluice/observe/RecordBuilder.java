package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.TraceContext;

/** Builds {@link ExchangeRecord}s for unit tests: a successful completion by default. */
final class RecordBuilder {
    long startEpochMicros = 1_764_000_000_123_456L;
    String requestId = "req-1";
    String clientAddress = "10.1.2.3";
    String method = "POST";
    String path = "/v1/completions";
    int status = 200;
    String route = "by-model";
    String pool = "llama";
    String endpoint = "10.0.0.12:8000";
    String model = "food-review";
    String targetModel = "food-review";
    String objective;
    int priority;
    boolean stream;
    int attempts = 1;
    long requestBytes = 120;
    long responseBytes = 900;
    long totalNanos = 250_000_000;
    long upstreamNanos = 240_000_000;
    long ttftNanos = -1;
    long inputTokens = 12;
    long outputTokens = 30;
    long cachedTokens = 0;
    boolean outputTokensCounted;
    String errorDetail;
    long pickNanos = 20_000;
    long requestStartNanos = 5_000_000_000L;
    long upstreamStartNanos = 5_003_000_000L;
    TraceContext trace = new TraceContext("0af7651916cd43dd8448eb211c80319c", null, "b7ad6b7169203331",
                                          "00f067aa0ba902b7", true);
    final List<ExtensionCallRecord> calls = new ArrayList<>();

    RecordBuilder id(String id) {
        requestId = id;
        return this;
    }

    RecordBuilder status(int status) {
        this.status = status;
        return this;
    }

    RecordBuilder pool(String pool) {
        this.pool = pool;
        return this;
    }

    RecordBuilder error(String detail) {
        errorDetail = detail;
        return this;
    }

    ExchangeRecord build() {
        return new ExchangeRecord(startEpochMicros, requestId, clientAddress, method, path, status, route, pool,
                                  endpoint, model, targetModel, objective, priority, stream, attempts, requestBytes,
                                  responseBytes, totalNanos, upstreamNanos, ttftNanos, inputTokens, outputTokens,
                                  cachedTokens, outputTokensCounted, errorDetail, pickNanos, requestStartNanos,
                                  upstreamStartNanos, trace, List.copyOf(calls));
    }
}
