package dev.sluice.safety.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.SensitiveFinding;

class DeidentifierTest {

    private static SensitiveFinding f(String type, int start, int end) {
        return new SensitiveFinding(type, start, end, Confidence.HIGH);
    }

    @Test
    void masksAndReplacesDetectedValues() {
        String text = "card 4111111111111111 and SSN 212-33-4455.";
        List<SensitiveFinding> found = new SensitiveDataDetector().find(text);
        assertThat(Deidentifier.mask(text, found, '*')).isEqualTo("card **************** and SSN ***********.");
        assertThat(Deidentifier.replaceWithInfoType(text, found))
                .isEqualTo("card [CREDIT_CARD_NUMBER] and SSN [US_SOCIAL_SECURITY_NUMBER].");
    }

    @Test
    void overlappingFindingsBecomeOneSpanNamedAfterTheLongest() {
        String text = "abc 0123456789 xyz";
        List<SensitiveFinding> found = List.of(f(InfoTypes.PASSWORD, 6, 10), f(InfoTypes.FINANCIAL_ACCOUNT_NUMBER, 4, 14),
                f(InfoTypes.PASSWORD, 12, 16));
        assertThat(Deidentifier.replaceWithInfoType(text, found)).isEqualTo("abc [FINANCIAL_ACCOUNT_NUMBER]yz");
        assertThat(Deidentifier.mask(text, found, '#')).isEqualTo("abc ############yz");
        assertThat(Deidentifier.mask(text, List.of(), '#')).isEqualTo(text);
    }

    @Test
    void nonAsciiTextKeepsItsCharactersAndMasksOneCharPerCodePoint() {
        String text = "名前: 🙂🙂 pw=ä€1 ok";
        int start = text.indexOf("🙂");
        int end = start + 4; // two surrogate pairs
        assertThat(Deidentifier.mask(text, List.of(f(InfoTypes.PASSWORD, start, end)), '*')).isEqualTo("名前: ** pw=ä€1 ok");
        int pw = text.indexOf("ä");
        assertThat(Deidentifier.replaceWithInfoType(text, List.of(f(InfoTypes.PASSWORD, pw, pw + 3))))
                .isEqualTo("名前: 🙂🙂 pw=[PASSWORD] ok");
    }

    @Test
    void findingsOutsideTheTextAreRejected() {
        assertThatThrownBy(() -> Deidentifier.mask("short", List.of(f(InfoTypes.PASSWORD, 2, 9)), '*'))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the text of length 5");
    }
}
