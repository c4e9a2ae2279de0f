package dev.sluice.safety.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelReviewsTest {

    private static LabelledText row(String text, boolean unsafe, String category, String sub) {
        return new LabelledText("toxic.jsonl", text, unsafe, category, sub, TrainingData.splitOf(text));
    }

    private static Path write(Path dir, String... lines) throws Exception {
        Path f = dir.resolve("reviews.tsv");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void keysIgnoreCaseSpacingAndPunctuationLikeTheSplit() {
        assertThat(LabelReviews.key("@USER BULL CRAP!")).isEqualTo(LabelReviews.key("@user bullcrap"))
                .hasSize(16).matches("[0-9a-f]{16}");
        assertThat(LabelReviews.key("you are a liar")).isNotEqualTo(LabelReviews.key("you are not a liar"));
    }

    @Test
    void aReviewReplacesLabelAndCategoryAndKeepsTextSplitAndOrder(@TempDir Path tmp) throws Exception {
        LabelledText insult = row("@USER Conservatives are notoriously gullible.", false, "NONE", "olid:NOT");
        LabelledText civil = row("@USER I disagree with the tax plan.", true, "HARASSMENT", "olid:OFF/TIN/IND");
        LabelledText untouched = row("What is the capital of France?", false, "NONE", "clinc150:travel");
        LabelReviews reviews = LabelReviews.read(write(tmp,
                "# key\tlabel\tcategory\tnote",
                LabelReviews.key(insult.text()) + "\tunsafe\tHATE_SPEECH\tGRP",
                LabelReviews.key(civil.text()) + "\tsafe\tNONE\tNOT"));
        assertThat(reviews.size()).isEqualTo(2);

        List<LabelledText> out = reviews.apply(List.of(insult, untouched, civil));

        assertThat(out).hasSize(3);
        assertThat(out.get(0)).isEqualTo(new LabelledText("toxic.jsonl", insult.text(), true, "HATE_SPEECH",
                "olid:NOT reviewed:GRP", insult.split()));
        assertThat(out.get(1)).isSameAs(untouched);
        assertThat(out.get(2).unsafe()).isFalse();
        assertThat(out.get(2).category()).isEqualTo("NONE");
        assertThat(out.get(2).subcategory()).isEqualTo("olid:OFF/TIN/IND reviewed:NOT");
    }

    @Test
    void noReviewsLeavesTheRowsAsTheyAre() {
        List<LabelledText> rows = List.of(row("hello", false, "NONE", "x"));
        assertThat(LabelReviews.none().apply(rows)).isSameAs(rows);
    }

    @Test
    void malformedLinesFailWithFileAndLineNumber(@TempDir Path tmp) throws Exception {
        String key = LabelReviews.key("some tweet");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, "# header", key + "\tunsafe\tHARASSMENT")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reviews.tsv:2:").hasMessageContaining("expected 4 tab-separated fields");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, "ABCDEF0123456789\tsafe\tNONE\tNOT")))
                .hasMessageContaining("reviews.tsv:1:").hasMessageContaining("16 lowercase hex digits");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, key + "\toffensive\tHARASSMENT\tIND")))
                .hasMessageContaining("label must be unsafe or safe, got offensive");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, key + "\tsafe\tHARASSMENT\tIND")))
                .hasMessageContaining("category HARASSMENT does not fit label safe");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, key + "\tunsafe\tNONE\tIND")))
                .hasMessageContaining("category NONE does not fit label unsafe");
        assertThatThrownBy(() -> LabelReviews.read(write(tmp, key + "\tsafe\tNONE\tNOT", key + "\tunsafe\tHARASSMENT\tIND")))
                .hasMessageContaining("reviews.tsv:2:").hasMessageContaining("reviewed twice");
        assertThatThrownBy(() -> LabelReviews.read(tmp.resolve("missing.tsv")))
                .hasMessageContaining("cannot read").hasMessageContaining("missing.tsv");
    }

    @Test
    void theCommittedOlidReviewsCoverEveryOlidRowOfTheSharedDataAndNothingElse() {
        Path data = TrainSafetyHeadsTest.dataDir();
        assumeTrue(Files.isDirectory(data), "safety training data not found at " + data);
        LabelReviews reviews = LabelReviews.read(TrainSafetyHeadsTest.olidReviews());
        List<LabelledText> rows = TrainingData.readDirectory(data);
        List<LabelledText> reviewed = reviews.apply(rows);
        Set<String> olidKeys = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            boolean olid = rows.get(i).subcategory().startsWith("olid:");
            assertThat(reviewed.get(i).subcategory().contains(" reviewed:")).as(rows.get(i).text()).isEqualTo(olid);
            if (olid) {
                olidKeys.add(LabelReviews.key(rows.get(i).text()));
                assertThat(reviewed.get(i).category()).isIn("NONE", "PROFANITY", "HARASSMENT", "HATE_SPEECH");
            }
        }
        assertThat(reviews.size()).isEqualTo(olidKeys.size());
    }
}
