package dev.sluice.safety.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.learned.Confusion;
import dev.sluice.safety.learned.LabelReviews;
import dev.sluice.safety.learned.LabelledText;
import dev.sluice.safety.learned.TrainingData;

/**
 * Scores the whole scanner (rules and learned stage combined, as the gateway runs it) on the held-out test split of
 * the training data and prints the goal figures: prompt injection and jailbreak, the four RAI categories at
 * MEDIUM_AND_ABOVE, and credit card and SSN recall with false positives. Usage: {@code HeldOutReport DATA_DIR
 * [--extra DIR] [--reviews FILE] [--all-splits] [--rules-only | --heads FILE]} ({@code --extra}: more labelled files,
 * such as {@code data/safety}, whose test split is scored too; {@code --reviews}: score against the corrected labels of
 * a {@link LabelReviews} file; {@code --all-splits}: score every row, for data the heads never saw, such as
 * {@code data/safety/unseen}; {@code --heads}: a {@code heads.json} other than the committed one).
 */
public final class HeldOutReport {

    private HeldOutReport() {}

    /** Command-line entry point. */
    public static void main(String[] args) {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: HeldOutReport DATA_DIR [--extra DIR] [--reviews FILE] [--all-splits]"
                    + " [--rules-only | --heads FILE]");
        }
        DefaultSafetyScanner scanner = null;
        LabelReviews reviews = LabelReviews.none();
        boolean allSplits = false;
        List<LabelledText> rows = new ArrayList<>(TrainingData.readDirectory(Path.of(args[0])));
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--rules-only" -> scanner = DefaultSafetyScanner.rulesOnly();
                case "--heads" -> scanner = DefaultSafetyScanner.withHeads(Path.of(value(args, ++i)));
                case "--extra" -> rows.addAll(TrainingData.readDirectory(Path.of(value(args, ++i))));
                case "--reviews" -> reviews = LabelReviews.read(Path.of(value(args, ++i)));
                case "--all-splits" -> allSplits = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --extra DIR, --reviews FILE, --all-splits, --rules-only or --heads FILE");
            }
        }
        List<LabelledText> scored = reviews.apply(rows);
        if (!allSplits) {
            scored = scored.stream().filter(r -> r.split() == LabelledText.Split.TEST).toList();
        }
        System.out.print(report(scanner == null ? DefaultSafetyScanner.load() : scanner, scored));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static String line(String what, Confusion c) {
        return String.format(Locale.ROOT, "%-44s %s%n", what, c);
    }

    static String report(DefaultSafetyScanner scanner, List<LabelledText> test) {
        Set<FilterKind> all = EnumSet.allOf(FilterKind.class);
        Confusion pi = new Confusion();
        Confusion piBenign = new Confusion();
        Confusion piResponse = new Confusion();
        Confusion[] rai = new Confusion[RaiCategory.values().length];
        Confusion[] raiResponse = new Confusion[RaiCategory.values().length];
        for (int i = 0; i < rai.length; i++) {
            rai[i] = new Confusion();
            raiResponse[i] = new Confusion();
        }
        Confusion card = new Confusion();
        Confusion ssn = new Confusion();
        Confusion sdpSafe = new Confusion();
        List<Long> nanos = new ArrayList<>();
        for (LabelledText r : test) {
            boolean response = r.isResponse();
            long t0 = System.nanoTime();
            Detection d = scanner.scan(r.text(), response ? Direction.RESPONSE : Direction.PROMPT, all);
            nanos.add(System.nanoTime() - t0);
            boolean piFlag = d.piAndJailbreak() != null && d.piAndJailbreak().atLeast(Confidence.MEDIUM);
            if (!response) {
                pi.add(r.unsafe() && (r.category().equals("JAILBREAK") || r.category().equals("PROMPT_INJECTION")), piFlag);
                if (r.file().equals("benign.jsonl")) {
                    piBenign.add(false, piFlag);
                }
            } else {
                piResponse.add(false, piFlag);
            }
            for (RaiCategory c : RaiCategory.values()) {
                // The same row selection as the heads' evaluation: PROFANITY, OTHER_HARM and attack wrappers left out,
                // hate and harassment left out of each other.
                if (r.unsafe() && !r.category().equals(c.name()) && (r.category().equals("PROFANITY")
                        || r.category().equals("OTHER_HARM") || r.category().equals("JAILBREAK")
                        || r.category().equals("PROMPT_INJECTION")
                        || (c == RaiCategory.HATE_SPEECH && r.category().equals("HARASSMENT"))
                        || (c == RaiCategory.HARASSMENT && r.category().equals("HATE_SPEECH")))) {
                    continue;
                }
                Confidence got = d.rai().get(c);
                boolean flag = got != null && got.atLeast(Confidence.MEDIUM);
                (response ? raiResponse : rai)[c.ordinal()].add(r.unsafe() && r.category().equals(c.name()), flag);
            }
            if (r.file().equals("sensitive_data.jsonl") || r.file().equals("benign.jsonl")) {
                List<String> types = d.sensitive().stream().map(SensitiveFinding::infoType).toList();
                if (r.unsafe()) {
                    if (r.category().contains("CREDIT_CARD")) {
                        card.add(true, types.contains(InfoTypes.CREDIT_CARD_NUMBER));
                    }
                    if (r.category().contains("US_SSN")) {
                        ssn.add(true, types.contains(InfoTypes.US_SOCIAL_SECURITY_NUMBER));
                    }
                } else {
                    card.add(false, types.contains(InfoTypes.CREDIT_CARD_NUMBER));
                    ssn.add(false, types.contains(InfoTypes.US_SOCIAL_SECURITY_NUMBER));
                    sdpSafe.add(false, !types.isEmpty());
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "scored rows: %d, scanner %s%n", test.size(), scanner.describe()));
        sb.append(line("pi_and_jailbreak MEDIUM_AND_ABOVE (prompts)", pi));
        sb.append(line("pi_and_jailbreak on benign.jsonl", piBenign));
        sb.append(line("pi_and_jailbreak on responses", piResponse));
        for (RaiCategory c : RaiCategory.values()) {
            sb.append(line("prompt " + c + " MEDIUM_AND_ABOVE", rai[c.ordinal()]));
        }
        for (RaiCategory c : RaiCategory.values()) {
            sb.append(line("response " + c + " MEDIUM_AND_ABOVE", raiResponse[c.ordinal()]));
        }
        sb.append(line("CREDIT_CARD_NUMBER (sensitive_data + benign)", card));
        sb.append(line("US_SOCIAL_SECURITY_NUMBER (sensitive_data + benign)", ssn));
        sb.append(line("any sensitive finding on safe rows", sdpSafe));
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        sb.append(String.format(Locale.ROOT, "scan latency over these rows (all families, any length): p50 %.2f ms, p99 %.2f ms%n",
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6));
        return sb.toString();
    }
}
