package dev.sluice.safety.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.safety.learned.LabelReviews;
import dev.sluice.safety.learned.LabelledText;
import dev.sluice.safety.learned.TrainingData;

class HeldOutReportTest {

    /** Card numbers that pass the Luhn check, each in a sentence; the split of each follows from its text. */
    private static List<String> cardRows(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            String digits = String.format("4%014d", 111_111_111L * (i + 1) % 100_000_000_000_000L);
            int sum = 0;
            for (int k = 0; k < 15; k++) {
                int d = digits.charAt(14 - k) - '0';
                sum += k % 2 == 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d;
            }
            out.add("please charge card " + digits + ((10 - sum % 10) % 10) + " today, request " + i);
        }
        return out;
    }

    private static String json(String text, String label, String category) {
        return "{\"text\":\"" + text + "\",\"label\":\"" + label + "\",\"category\":\"" + category + "\"}";
    }

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            HeldOutReport.main(args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void scoresTheTestSplitOrEveryRowWithAllSplits(@TempDir Path dir) throws Exception {
        List<String> cards = cardRows(40);
        List<String> lines = new ArrayList<>();
        for (String c : cards) {
            lines.add(json(c, "unsafe", "SENSITIVE_DATA:CREDIT_CARD"));
        }
        Files.write(dir.resolve("sensitive_data.jsonl"), lines);
        long testRows = cards.stream().filter(c -> TrainingData.splitOf(c) == LabelledText.Split.TEST).count();
        assertThat(testRows).as("some rows fall in the test split, not all").isBetween(1L, 39L);

        String heldOut = run(dir.toString(), "--rules-only");
        String every = run(dir.toString(), "--rules-only", "--all-splits");

        assertThat(heldOut).contains("scored rows: " + testRows + ",")
                .containsPattern("CREDIT_CARD_NUMBER .*\\(tp " + testRows + " fp 0 fn 0 tn 0\\)");
        assertThat(every).contains("scored rows: 40,")
                .containsPattern("CREDIT_CARD_NUMBER .*\\(tp 40 fp 0 fn 0 tn 0\\)");
    }

    @Test
    void reviewsChangeTheLabelsScoredAgainst(@TempDir Path dir) throws Exception {
        String insult = "you are a worthless idiot and everyone at work laughs at you";
        Files.write(dir.resolve("toxic.jsonl"), List.of(json(insult, "safe", "NONE")));
        Path reviews = dir.resolve("reviews.tsv");
        Files.writeString(reviews, LabelReviews.key(insult) + "\tunsafe\tHARASSMENT\tIND\n");

        String asLabelled = run(dir.toString(), "--rules-only", "--all-splits");
        String reviewed = run(dir.toString(), "--rules-only", "--all-splits", "--reviews", reviews.toString());

        assertThat(asLabelled).containsPattern("prompt HARASSMENT .*\\(tp 0 fp \\d fn 0 tn \\d\\)");
        assertThat(reviewed).containsPattern("prompt HARASSMENT .*\\(tp \\d fp 0 fn \\d tn 0\\)");
    }

    @Test
    void badArgumentsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("benign.jsonl"), List.of(json("what is the capital of France", "safe", "NONE")));
        assertThatThrownBy(() -> HeldOutReport.main(new String[0])).hasMessageContaining("usage: HeldOutReport DATA_DIR");
        assertThatThrownBy(() -> HeldOutReport.main(new String[] {dir.toString(), "--bogus"}))
                .hasMessageContaining("unknown option --bogus").hasMessageContaining("--all-splits");
        assertThatThrownBy(() -> HeldOutReport.main(new String[] {dir.toString(), "--heads"}))
                .hasMessageContaining("--heads needs a value");
    }
}
