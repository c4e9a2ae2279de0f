package dev.sluice.safety.learned;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.safety.Confidence;

/** Threshold calibration and the held-out report of the training program. */
final class Evaluation {

    /** Levels used when the calibration split lacks positives or negatives for a head. */
    static final double DEFAULT_LOW = 0.5;
    static final double DEFAULT_MEDIUM = 0.7;
    static final double DEFAULT_HIGH = 0.9;
    /** The fewest positives (and negatives) in the calibration split for calibrated thresholds. */
    static final int MIN_CALIBRATION_CLASS = 8;

    private Evaluation() {}

    private record Scored(LabelledText row, boolean positive, double score) {}

    private static List<Scored> scored(HeadSpec spec, LinearHead head, List<LabelledText> rows,
                                       Map<LabelledText, RowFeatures> emb, LabelledText.Split split) {
        List<Scored> out = new ArrayList<>();
        for (LabelledText r : rows) {
            Boolean label = spec.label(r);
            if (label == null || r.split() != split || !spec.evaluatedOn(r)) {
                continue;
            }
            out.add(new Scored(r, label, emb.get(r).score(head)));
        }
        return out;
    }

    private static Confusion counts(List<Scored> s, double threshold) {
        Confusion c = new Confusion();
        for (Scored x : s) {
            c.add(x.positive(), x.score() >= threshold);
        }
        return c;
    }

    private static double benignFpr(List<Scored> s, double threshold) {
        int n = 0;
        int fp = 0;
        for (Scored x : s) {
            if (x.row().file().equals("benign.jsonl")) {
                n++;
                if (x.score() >= threshold) {
                    fp++;
                }
            }
        }
        return n == 0 ? 0 : (double) fp / n;
    }

    /**
     * The LOW, MEDIUM and HIGH thresholds from the calibration split: MEDIUM maximises F1 (raised until the benign
     * false-positive cap holds, where the head has one); HIGH is the lowest threshold at or above MEDIUM with precision
     * at least 0.95 (MEDIUM if none reaches it); LOW is the highest threshold at or below MEDIUM with recall at least
     * 0.95 (MEDIUM if none). Candidate thresholds are midpoints between consecutive distinct scores. With fewer than
     * {@link #MIN_CALIBRATION_CLASS} positives or negatives the fixed levels 0.5, 0.7 and 0.9 are used.
     */
    static double[] calibrate(HeadSpec spec, LinearHead head, List<LabelledText> rows,
                              Map<LabelledText, RowFeatures> emb) {
        List<Scored> cal = scored(spec, head, rows, emb, LabelledText.Split.CALIBRATION);
        long positives = cal.stream().filter(Scored::positive).count();
        if (positives < MIN_CALIBRATION_CLASS || cal.size() - positives < MIN_CALIBRATION_CLASS) {
            // Too few rows of a class to choose thresholds from (response harassment, small --subset runs): fixed
            // levels are safer than thresholds fitted to one or two rows.
            return new double[] {DEFAULT_LOW, DEFAULT_MEDIUM, DEFAULT_HIGH};
        }
        double[] sortedScores = cal.stream().mapToDouble(Scored::score).sorted().distinct().toArray();
        List<Double> candidates = new ArrayList<>();
        candidates.add(sortedScores[0] / 2);
        for (int i = 1; i < sortedScores.length; i++) {
            candidates.add((sortedScores[i - 1] + sortedScores[i]) / 2);
        }
        candidates.add((sortedScores[sortedScores.length - 1] + 1) / 2);
        double medium = candidates.get(0);
        double bestF1 = -1;
        for (double t : candidates) {
            double f1 = counts(cal, t).f1();
            if (f1 > bestF1) {
                bestF1 = f1;
                medium = t;
            }
        }
        if (spec.benignFprCap() >= 0) {
            for (double t : candidates) {
                if (t >= medium && benignFpr(cal, t) <= spec.benignFprCap()) {
                    medium = t;
                    break;
                }
            }
        }
        double high = medium;
        for (double t : candidates) {
            if (t >= medium && counts(cal, t).precision() >= 0.95 && counts(cal, t).tp() > 0) {
                high = t;
                break;
            }
        }
        double low = medium;
        for (int i = candidates.size() - 1; i >= 0; i--) {
            double t = candidates.get(i);
            if (t <= medium && counts(cal, t).recall() >= 0.95) {
                low = t;
                break;
            }
        }
        return new double[] {low, medium, high};
    }

    /** F1 on the head's calibration rows at {@code threshold} (the grid search's score; never the test split). */
    static double calibrationF1(HeadSpec spec, LinearHead head, List<LabelledText> rows,
                                Map<LabelledText, RowFeatures> emb, double threshold) {
        return counts(scored(spec, head, rows, emb, LabelledText.Split.CALIBRATION), threshold).f1();
    }

    private static String line(String what, Confusion c) {
        return String.format(Locale.ROOT, "  %-34s %s%n", what, c);
    }

    /** Precision, recall, F1 and FPR of one head on the held-out test split, overall, per level and per file. */
    static String report(HeadSpec spec, LinearHead head, List<LabelledText> rows, Map<LabelledText, RowFeatures> emb) {
        List<Scored> test = scored(spec, head, rows, emb, LabelledText.Split.TEST);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s  thresholds LOW %.4f MEDIUM %.4f HIGH %.4f  (test rows %d)%n",
                spec.name(), head.low(), head.medium(), head.high(), test.size()));
        for (Confidence c : Confidence.values()) {
            double t = c == Confidence.LOW ? head.low() : c == Confidence.MEDIUM ? head.medium() : head.high();
            sb.append(line(c + "_AND_ABOVE", counts(test, t)));
        }
        Map<String, List<Scored>> byFile = new TreeMap<>();
        for (Scored s : test) {
            byFile.computeIfAbsent(s.row().file(), k -> new ArrayList<>()).add(s);
        }
        for (Map.Entry<String, List<Scored>> e : byFile.entrySet()) {
            sb.append(line("MEDIUM " + e.getKey(), counts(e.getValue(), head.medium())));
        }
        List<Scored> benign = test.stream().filter(s -> s.row().file().equals("benign.jsonl")).toList();
        if (!benign.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  benign.jsonl test FPR at MEDIUM %.4f (%d rows)%n",
                    benignFpr(benign, head.medium()), benign.size()));
        }
        return sb.toString();
    }
}
