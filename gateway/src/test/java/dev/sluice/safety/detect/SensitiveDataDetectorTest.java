package dev.sluice.safety.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.SensitiveFinding;

class SensitiveDataDetectorTest {

    private final SensitiveDataDetector detector = new SensitiveDataDetector();

    private List<String> types(String text) {
        return detector.find(text).stream().map(SensitiveFinding::infoType).toList();
    }

    private String only(String text, String type) {
        List<SensitiveFinding> f = detector.find(text).stream().filter(x -> x.infoType().equals(type)).toList();
        assertThat(f).as(text).hasSize(1);
        return text.substring(f.get(0).start(), f.get(0).end());
    }

    /** Appends the Luhn check digit, so the tests do not depend on any published number list. */
    static String withCheckDigit(String body) {
        for (int d = 0; d <= 9; d++) {
            if (Validators.luhn(body + d)) {
                return body + d;
            }
        }
        throw new AssertionError();
    }

    @Test
    void cardsInEveryCommonLayoutAreFoundWithHighLikelihood() {
        String visa = withCheckDigit("453201511283036");
        String mc2 = withCheckDigit("227012345678901");
        String amex = withCheckDigit("37144963539843");
        String disc = withCheckDigit("601100099013942");
        for (String text : List.of(
                "charge " + visa + " please",
                "Card: " + visa.substring(0, 4) + " " + visa.substring(4, 8) + " " + visa.substring(8, 12) + " " + visa.substring(12),
                "use " + mc2.substring(0, 4) + "-" + mc2.substring(4, 8) + "-" + mc2.substring(8, 12) + "-" + mc2.substring(12),
                "amex " + amex.substring(0, 4) + " " + amex.substring(4, 10) + " " + amex.substring(10),
                "discover: " + disc)) {
            List<SensitiveFinding> f = detector.find(text);
            assertThat(f).as(text).singleElement().satisfies(x -> {
                assertThat(x.infoType()).isEqualTo(InfoTypes.CREDIT_CARD_NUMBER);
                assertThat(x.likelihood()).isEqualTo(Confidence.HIGH);
            });
        }
    }

    @Test
    void cardLookalikesAreNotFound() {
        String visa = withCheckDigit("453201511283036");
        String broken = visa.substring(0, 15) + ((visa.charAt(15) - '0' + 1) % 10);
        assertThat(types("order " + broken + " shipped")).isEmpty(); // fails Luhn
        assertThat(types("card ending in 4242, **** **** **** 4242")).isEmpty();
        assertThat(types("uuid 123e4567-e89b-12d3-a456-426614174000")).isEmpty();
        assertThat(types("mixed separators " + visa.substring(0, 4) + " " + visa.substring(4, 8) + "-" + visa.substring(8)))
                .isEmpty();
        assertThat(types("sha " + "a1" + visa + "ff")).isEmpty(); // digits inside a hex digest
    }

    @Test
    void ssnFormsAndLikelihoods() {
        assertThat(detector.find("SSN 212-33-4455")).singleElement()
                .satisfies(f -> assertThat(f.likelihood()).isEqualTo(Confidence.HIGH));
        assertThat(detector.find("id 212 33 4455 on file")).singleElement()
                .satisfies(f -> assertThat(f.likelihood()).isEqualTo(Confidence.MEDIUM));
        assertThat(only("my social security number is 212334455.", InfoTypes.US_SOCIAL_SECURITY_NUMBER))
                .isEqualTo("212334455");
        assertThat(types("order number 212334455 is late")).isEmpty(); // bare nine digits without context
        assertThat(types("SSN 666-12-3456, SSN 000-12-3456, SSN 123-00-4567, SSN 123-45-0000")).isEmpty();
        assertThat(types("zip 94107-1234 and phone 415-555-0123")).isEmpty();
    }

    @Test
    void itinIsItsOwnType() {
        assertThat(types("ITIN 912-78-1234")).containsExactly(InfoTypes.US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER);
        assertThat(types("ITIN 912-93-1234")).isEmpty();
    }

    @Test
    void ibanWithAndWithoutSpacesEndsAtTheRightCharacter() {
        assertThat(only("Pay to GB82 WEST 1234 5698 7654 32 by Friday", InfoTypes.IBAN_CODE))
                .isEqualTo("GB82 WEST 1234 5698 7654 32");
        assertThat(only("IBAN: DE89370400440532013000.", InfoTypes.IBAN_CODE)).isEqualTo("DE89370400440532013000");
        assertThat(types("IBAN: DE89370400440532013001")).isEmpty();
        assertThat(types("What is an IBAN and how long is a German one?")).isEmpty();
    }

    @Test
    void accountNumbersNeedAnAccountKeyword() {
        assertThat(only("wire it to account number 004512893377", InfoTypes.FINANCIAL_ACCOUNT_NUMBER))
                .isEqualTo("004512893377");
        assertThat(types("it costs 004512893377 dollars")).isEmpty();
    }

    @Test
    void cloudCredentialsAndApiKeys() {
        String aws = "AKIA" + "Q3EGRT7KZP2MX4VB";
        assertThat(only("aws_access_key_id = " + aws, InfoTypes.AWS_CREDENTIALS)).isEqualTo(aws);
        assertThat(only("aws_secret_access_key=" + "wJa9rXUtnFEMI/K7MDENG/bPxRfiCYzq3Kd8Lm2R", InfoTypes.AWS_CREDENTIALS))
                .hasSize(40);
        assertThat(types("token ghp_" + "a8Kd93LmQp2Zx7Rt5Vb1Nc4Wy6Ue0Jh3GfSd")).containsExactly(InfoTypes.AUTH_TOKEN);
        assertThat(types("GH_TOKEN=github_pat_" + "11ABCDEFG0aBcDeFgHiJkL_" + "mN0pQrStUvWxYz1234567890aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678"))
                .containsExactly(InfoTypes.AUTH_TOKEN);
        assertThat(types("key=AIza" + "SyD3k9Lm2Qp8Zx7Rt5Vb1Nc4Wy6Ue0Jh3Gf")).containsExactly(InfoTypes.GCP_API_KEY);
        assertThat(types("OPENAI_API_KEY=sk-proj-" + "Zx7Rt5Vb1Nc4Wy6Ue0Jh3GfSd8Kd93LmQp2Ab4Cd6Ef8Gh0Ij2Kl")).containsExactly(InfoTypes.AUTH_TOKEN);
        assertThat(types("SLACK=xoxb-" + "2841930375-8823104957-Kd93LmQp2Zx7Rt5Vb1Nc4Wy6")).containsExactly(InfoTypes.AUTH_TOKEN);
        assertThat(types("stripe sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc")).containsExactly(InfoTypes.AUTH_TOKEN);
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
                + "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----";
        assertThat(only("key:\n" + pem + "\nthanks", InfoTypes.ENCRYPTION_KEY)).isEqualTo(pem);
        String sa = "{\"type\": \"service_account\", \"project_id\": \"demo\", \"private_key_id\": \"3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345\"}";
        assertThat(types(sa)).containsExactly(InfoTypes.GCP_CREDENTIALS);
    }

    @Test
    void placeholdersAndMaskedValuesAreNotSecrets() {
        assertThat(types("export OPENAI_API_KEY=sk-your-key-here")).isEmpty();
        assertThat(types("aws_access_key_id = <your-access-key-id>")).isEmpty();
        assertThat(types("GITHUB_TOKEN=${GITHUB_TOKEN}")).isEmpty();
        assertThat(types("password = os.getenv(\"DB_PASSWORD\")")).isEmpty();
        assertThat(types("password: ********")).isEmpty();
        assertThat(types("api_key = sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).isEmpty();
        assertThat(types("postgres://admin:${DB_PASS}@db.internal:5432/app")).isEmpty();
    }

    @Test
    void passwordsInObviousForms() {
        assertThat(only("Username: ana\nPassword: Tr0ub4dor&3", InfoTypes.PASSWORD)).isEqualTo("Tr0ub4dor&3");
        assertThat(only("DB_PASSWORD=Qz8!pLm2", InfoTypes.PASSWORD)).isEqualTo("Qz8!pLm2");
        assertThat(only("redis://cache:Hx72kPq9@redis.internal:6379/0", InfoTypes.PASSWORD)).isEqualTo("Hx72kPq9");
        assertThat(only("mysqldump -u root -p'Blue!Sky42' shop", InfoTypes.PASSWORD)).isEqualTo("Blue!Sky42");
        assertThat(only("run it with --password Hunter2Go", InfoTypes.PASSWORD)).isEqualTo("Hunter2Go");
        assertThat(only("my email password is Lantern77, don't share it.", InfoTypes.PASSWORD)).isEqualTo("Lantern77");
        assertThat(types("I forgot my password, how do I reset it?")).isEmpty();
        assertThat(types("The password is incorrect. Password: required")).isEmpty();
        assertThat(types("ssh -p 2222 user@host")).isEmpty();
    }

    @Test
    void offsetsAreUtf16IndicesOfTheScannedText() {
        String prefix = "Платёж 💳 с карты ";
        String card = withCheckDigit("453201511283036");
        String text = prefix + card + " — спасибо";
        SensitiveFinding f = detector.find(text).get(0);
        assertThat(f.start()).isEqualTo(prefix.length());
        assertThat(text.substring(f.start(), f.end())).isEqualTo(card);
    }
}
