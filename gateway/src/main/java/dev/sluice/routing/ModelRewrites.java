package dev.sluice.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.InferenceModelRewriteSpec;
import dev.sluice.config.Resources.ModelMatch;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.RewriteRule;
import dev.sluice.config.Resources.RewriteTarget;

/**
 * {@code InferenceModelRewrite}s per pool: an Exact match on the requested model beats a catch-all rule; among
 * equals, the object read first wins, then the first rule. The target is drawn by weight (uniformly if all are 0).
 */
public final class ModelRewrites {

    private record Candidate(String rewriteName, RewriteRule rule, boolean exact) {}

    private final Map<String, List<Candidate>> byPool;

    private ModelRewrites(Map<String, List<Candidate>> byPool) {
        this.byPool = byPool;
    }

    /** Builds the rewrites of {@code config}. */
    public static ModelRewrites of(GatewayConfig config) {
        final Map<String, List<Candidate>> byPool = new HashMap<>();
        for (Resource<InferenceModelRewriteSpec> r : config.inferenceModelRewrites()) {
            final List<Candidate> list = byPool.computeIfAbsent(r.spec().poolRef().name(), k -> new ArrayList<>());
            for (RewriteRule rule : r.spec().rules()) {
                list.add(new Candidate(r.metadata().name(), rule, !rule.matches().isEmpty()));
            }
        }
        return new ModelRewrites(byPool);
    }

    /** The chosen rewrite: the object's name and the target model. */
    public record Rewrite(String rewriteName, String targetModel) {}

    /** Returns the rewrite of {@code model} in {@code pool}, or {@code null} when none applies. */
    public @Nullable Rewrite rewrite(String pool, String model, RandomGenerator random) {
        final List<Candidate> candidates = byPool.get(pool);
        if (candidates == null) {
            return null;
        }
        Candidate chosen = null;
        for (Candidate c : candidates) {
            if (c.exact() && matches(c.rule(), model)) {
                chosen = c;
                break;
            }
        }
        if (chosen == null) {
            for (Candidate c : candidates) {
                if (!c.exact()) {
                    chosen = c;
                    break;
                }
            }
        }
        if (chosen == null) {
            return null;
        }
        final RewriteTarget t = WeightedChoice.pick(chosen.rule().targets(), RewriteTarget::weight, random, true);
        return t == null ? null : new Rewrite(chosen.rewriteName(), t.modelRewrite());
    }

    private static boolean matches(RewriteRule rule, String model) {
        for (ModelMatch m : rule.matches()) {
            if (m.value().equals(model)) {
                return true;
            }
        }
        return false;
    }
}
