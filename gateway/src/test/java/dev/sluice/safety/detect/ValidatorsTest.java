package dev.sluice.safety.detect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidatorsTest {

    @Test
    void luhnAcceptsValidNumbersAndRejectsOneDigitChanges() {
        assertThat(Validators.luhn("4111111111111111")).isTrue();
        assertThat(Validators.luhn("378282246310005")).isTrue();
        assertThat(Validators.luhn("79927398713")).isTrue();
        assertThat(Validators.luhn("4111111111111112")).isFalse();
        assertThat(Validators.luhn("79927398710")).isFalse();
        assertThat(Validators.luhn("4111-1111")).isFalse();
        assertThat(Validators.luhn("0")).isFalse();
    }

    @Test
    void cardBrandsFollowIssuerPrefixesAndLengths() {
        assertThat(Validators.cardBrand("4111111111111111")).isEqualTo("VISA");
        assertThat(Validators.cardBrand("5555555555554444")).isEqualTo("MASTERCARD");
        assertThat(Validators.cardBrand("2221000000000009")).isEqualTo("MASTERCARD");
        assertThat(Validators.cardBrand("2720990000000007")).isEqualTo("MASTERCARD");
        assertThat(Validators.cardBrand("2721000000000000")).isNull();
        assertThat(Validators.cardBrand("378282246310005")).isEqualTo("AMEX");
        assertThat(Validators.cardBrand("3782822463100050")).isNull(); // Amex has 15 digits
        assertThat(Validators.cardBrand("6011111111111117")).isEqualTo("DISCOVER");
        assertThat(Validators.cardBrand("6500000000000002")).isEqualTo("DISCOVER");
        assertThat(Validators.cardBrand("9111111111111111")).isNull();
        assertThat(Validators.cardBrand("411111111111")).isNull();
    }

    @Test
    void ssnRangesFollowTheSsaRules() {
        assertThat(Validators.ssn(123, 45, 6789)).isTrue();
        assertThat(Validators.ssn(899, 1, 1)).isTrue();
        assertThat(Validators.ssn(0, 45, 6789)).isFalse();
        assertThat(Validators.ssn(666, 45, 6789)).isFalse();
        assertThat(Validators.ssn(900, 45, 6789)).isFalse();
        assertThat(Validators.ssn(123, 0, 6789)).isFalse();
        assertThat(Validators.ssn(123, 45, 0)).isFalse();
    }

    @Test
    void itinNeedsNineHundredAreaAndAnItinGroup() {
        assertThat(Validators.itin(912, 70, 1234)).isTrue();
        assertThat(Validators.itin(999, 50, 1)).isTrue();
        assertThat(Validators.itin(912, 93, 1234)).isFalse();
        assertThat(Validators.itin(912, 66, 1234)).isFalse();
        assertThat(Validators.itin(812, 70, 1234)).isFalse();
    }

    @Test
    void ibanChecksCountryLengthAndMod97() {
        assertThat(Validators.iban("GB82WEST12345698765432")).isTrue();
        assertThat(Validators.iban("DE89370400440532013000")).isTrue();
        assertThat(Validators.iban("GB82WEST12345698765433")).isFalse(); // check digits no longer fit
        assertThat(Validators.iban("GB82WEST1234569876543")).isFalse(); // GB is 22 long
        assertThat(Validators.iban("ZZ82WEST12345698765432")).isFalse(); // no such country
        assertThat(Validators.iban("gb82west12345698765432")).isFalse();
    }
}
