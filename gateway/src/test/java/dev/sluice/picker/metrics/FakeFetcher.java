package dev.sluice.picker.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Records every fetch and lets the test complete it. */
final class FakeFetcher implements MetricsFetcher {

    record Call(ScrapeTarget target, CompletableFuture<Response> future) {

        void respond(String body) {
            future.complete(new Response(200, body));
        }

        void respond(int status, String body) {
            future.complete(new Response(status, body));
        }

        void fail(Throwable cause) {
            future.completeExceptionally(cause);
        }
    }

    private final List<Call> calls = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<Response> fetch(ScrapeTarget target) {
        final Call call = new Call(target, new CompletableFuture<>());
        calls.add(call);
        return call.future();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized List<Call> calls(String authority) {
        return calls.stream().filter(c -> c.target().authority().equals(authority)).toList();
    }

    synchronized Call last() {
        return calls.get(calls.size() - 1);
    }

    synchronized long inFlight() {
        return calls.stream().filter(c -> !c.future().isDone()).count();
    }
}
