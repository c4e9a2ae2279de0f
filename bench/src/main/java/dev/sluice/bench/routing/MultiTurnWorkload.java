package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Multi-turn chat: vLLM production-stack's multi-round QA shape (a 1,000-token system prompt shared by every user, a
 * 2,000-token history per user; reference/performance.md §5(b) workload 3), each turn's prompt extending the
 * previous turn's prompt and answer.
 *
 * <p>{@code users} conversations run side by side. Each request is the next turn of a user drawn uniformly at random
 * (not in turn, which would line conversations up with round-robin's rotation); after {@code rounds} turns the user
 * starts a new conversation with a new history. Turn {@code r}'s prompt is
 * {@code system + history + q0 + a0 + … + q(r-1) + a(r-1) + qr}, where the answers are generated text of the output
 * length (the simulator hashes prompt blocks only, so what matters is that the previous prompt is a prefix of the
 * next). A turn is sent no earlier than its predecessor's finish, as a user waits for the answer; the time between
 * a user's turns is {@code users / load} on average.
 *
 * @param users conversations in parallel
 * @param rounds turns per conversation
 * @param systemTokens the system prompt shared by every conversation
 * @param historyTokens the history each conversation starts with
 * @param questionTokens each turn's new user message
 * @param outputTokens each answer
 */
public record MultiTurnWorkload(int users, int rounds, int systemTokens, int historyTokens, int questionTokens,
                                int outputTokens) implements Workload {

    /** The workload's name. */
    public static final String NAME = "multi-turn";

    /** 256 users, 8 rounds, 1,000 + 2,000 tokens of context, 100-token questions, 200-token answers. */
    public static final MultiTurnWorkload DEFAULT = new MultiTurnWorkload(256, 8, 1000, 2000, 100, 200);

    public MultiTurnWorkload {
        if (users < 1 || rounds < 1 || systemTokens < 1 || historyTokens < 1 || questionTokens < 1 ||
            outputTokens < 1) {
            throw new IllegalArgumentException("multi-turn: every size must be >= 1");
        }
    }

    /** Returns this shape with every token length times {@code factor} (at least one token each). */
    public MultiTurnWorkload scaled(double factor) {
        return new MultiTurnWorkload(users, rounds, Workloads.scale(systemTokens, factor),
                                     Workloads.scale(historyTokens, factor), Workloads.scale(questionTokens, factor),
                                     Workloads.scale(outputTokens, factor));
    }

    @Override
    public MultiTurnWorkload withOutputTokens(int outputTokens) {
        return new MultiTurnWorkload(users, rounds, systemTokens, historyTokens, questionTokens, outputTokens);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String shape() {
        return users + " users × " + rounds + " turns: " + systemTokens + "-token shared system prompt + " +
               historyTokens + "-token history, then per turn a " + questionTokens + "-token question and " +
               outputTokens + "-token answer appended";
    }

    @Override
    public List<PlannedRequest> plan(int requests, double qps, long seed) {
        final SplittableRandom content = Arrivals.contentRandom(seed, NAME);
        final Segment system = Segment.random(systemTokens, content);
        final long[] arrivals = Arrivals.poisson(requests, qps, Arrivals.arrivalRandom(seed, NAME, qps));
        final List<List<Segment>> context = new ArrayList<>(users); // per user: the conversation so far
        final int[] turn = new int[users];
        final int[] last = new int[users]; // the index of the user's previous request
        for (int u = 0; u < users; u++) {
            context.add(null);
        }
        final List<PlannedRequest> plan = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            final int user = content.nextInt(users);
            final int round = turn[user] % rounds;
            turn[user]++;
            List<Segment> conversation = context.get(user);
            if (round == 0) {
                conversation = new ArrayList<>(List.of(system, Segment.random(historyTokens, content)));
                context.set(user, conversation);
            }
            conversation.add(Segment.random(questionTokens, content));
            final List<Segment> prompt = List.copyOf(conversation);
            conversation.add(Segment.random(outputTokens, content)); // the answer, for the next turn
            plan.add(new PlannedRequest(i, "mt-" + i, arrivals[i], prompt, null, outputTokens,
                                        round == 0 ? null : "mt-" + last[user]));
            last[user] = i;
        }
        return plan;
    }

    @Override
    public double firstLoad() {
        return 10;
    }

    @Override
    public double loadStep() {
        return 10;
    }
}
