package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Requests spread over many LoRA adapters with skewed popularity on engines that can run only a few adapters at once
 * ({@code max_loras}), so that where an adapter's requests go decides how often requests wait for an adapter slot
 * (reference/performance.md §5(b) workload 4: "no LoRA thrash").
 *
 * <p>Adapter {@code k} (0-based) is picked with probability proportional to {@code 1 / (k + 1)^zipf}. Each adapter
 * has its own system prompt (its task instructions); each request appends a unique question.
 *
 * @param adapters the number of adapters
 * @param zipf the Zipf exponent of adapter popularity ({@code 0}: uniform)
 * @param maxLoras the engines' {@code max_loras}
 * @param systemTokens each adapter's system prompt
 * @param questionTokens each request's unique question
 * @param outputTokens the output length
 */
public record MultiLoraWorkload(int adapters, double zipf, int maxLoras, int systemTokens, int questionTokens,
                                int outputTokens) implements Workload {

    /** The workload's name. */
    public static final String NAME = "multi-lora";

    /** 16 adapters, Zipf 1, {@code max_loras} 2, 500 + 500 prompt tokens, 200 output tokens. */
    public static final MultiLoraWorkload DEFAULT = new MultiLoraWorkload(16, 1.0, 2, 500, 500, 200);

    public MultiLoraWorkload {
        if (adapters < 1 || maxLoras < 1 || systemTokens < 1 || questionTokens < 1 || outputTokens < 1 ||
            !(zipf >= 0)) {
            throw new IllegalArgumentException("multi-lora: every size must be >= 1 and zipf >= 0");
        }
    }

    /** Returns this shape with every token length times {@code factor} (at least one token each). */
    public MultiLoraWorkload scaled(double factor) {
        return new MultiLoraWorkload(adapters, zipf, maxLoras, Workloads.scale(systemTokens, factor),
                                     Workloads.scale(questionTokens, factor), Workloads.scale(outputTokens, factor));
    }

    @Override
    public MultiLoraWorkload withOutputTokens(int outputTokens) {
        return new MultiLoraWorkload(adapters, zipf, maxLoras, systemTokens, questionTokens, outputTokens);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String shape() {
        return adapters + " adapters, Zipf " + zipf + " popularity, max_loras " + maxLoras + "; " + systemTokens +
               "-token system prompt per adapter + " + questionTokens + "-token unique question, " + outputTokens +
               " output tokens";
    }

    @Override
    public List<String> loraAdapters() {
        final List<String> names = new ArrayList<>(adapters);
        for (int k = 0; k < adapters; k++) {
            names.add(adapterName(k));
        }
        return names;
    }

    static String adapterName(int k) {
        return String.format("adapter-%02d", k);
    }

    /** Returns the probability of each adapter, most popular first. */
    public double[] popularity() {
        final double[] p = new double[adapters];
        double sum = 0;
        for (int k = 0; k < adapters; k++) {
            p[k] = 1 / Math.pow(k + 1, zipf);
            sum += p[k];
        }
        for (int k = 0; k < adapters; k++) {
            p[k] /= sum;
        }
        return p;
    }

    @Override
    public List<PlannedRequest> plan(int requests, double qps, long seed) {
        final SplittableRandom content = Arrivals.contentRandom(seed, NAME);
        final List<Segment> systems = new ArrayList<>(adapters);
        for (int k = 0; k < adapters; k++) {
            systems.add(Segment.random(systemTokens, content));
        }
        final double[] cumulative = popularity();
        for (int k = 1; k < adapters; k++) {
            cumulative[k] += cumulative[k - 1];
        }
        final List<String> names = loraAdapters();
        final long[] arrivals = Arrivals.poisson(requests, qps, Arrivals.arrivalRandom(seed, NAME, qps));
        final List<PlannedRequest> plan = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            final double u = content.nextDouble();
            int k = 0;
            while (k < adapters - 1 && u >= cumulative[k]) {
                k++;
            }
            plan.add(new PlannedRequest(i, "ml-" + i, arrivals[i],
                                        List.of(systems.get(k), Segment.random(questionTokens, content)),
                                        names.get(k), outputTokens, null));
        }
        return plan;
    }

    @Override
    public double firstLoad() {
        return 2;
    }

    @Override
    public double loadStep() {
        return 2;
    }
}
