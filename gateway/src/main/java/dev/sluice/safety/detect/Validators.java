package dev.sluice.safety.detect;

import java.math.BigInteger;
import java.util.Map;

/** Check-digit and range validators for the numbers the sensitive-data detector reports. */
public final class Validators {

    /** IBAN length per country (ISO 13616 registry, the countries of SEPA and a few more). */
    static final Map<String, Integer> IBAN_LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BR", 29),
            Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28), Map.entry("CZ", 24), Map.entry("DE", 22),
            Map.entry("DK", 18), Map.entry("DO", 28), Map.entry("EE", 20), Map.entry("EG", 29), Map.entry("ES", 24),
            Map.entry("FI", 18), Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22), Map.entry("GE", 22),
            Map.entry("GI", 23), Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28), Map.entry("HR", 21),
            Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IS", 26), Map.entry("IT", 27),
            Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20), Map.entry("LB", 28), Map.entry("LI", 21),
            Map.entry("LT", 20), Map.entry("LU", 20), Map.entry("LV", 21), Map.entry("MC", 27), Map.entry("MD", 24),
            Map.entry("ME", 22), Map.entry("MK", 19), Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30),
            Map.entry("NL", 18), Map.entry("NO", 15), Map.entry("PK", 24), Map.entry("PL", 28), Map.entry("PS", 29),
            Map.entry("PT", 25), Map.entry("QA", 29), Map.entry("RO", 24), Map.entry("RS", 22), Map.entry("SA", 24),
            Map.entry("SE", 24), Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("TN", 24),
            Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("VG", 24), Map.entry("XK", 20));

    private static final BigInteger NINETY_SEVEN = BigInteger.valueOf(97);

    private Validators() {}

    /** Whether a string of ASCII digits passes the Luhn (mod 10) check; false for anything else. */
    public static boolean luhn(CharSequence digits) {
        int n = digits.length();
        if (n < 2) {
            return false;
        }
        int sum = 0;
        boolean dbl = false;
        for (int i = n - 1; i >= 0; i--) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int d = c - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    /** The card brand of a digit string by issuer prefix and length, or {@code null} when no known brand fits. */
    public static String cardBrand(CharSequence digits) {
        int len = digits.length();
        if (len < 13 || len > 19) {
            return null;
        }
        int p1 = digits.charAt(0) - '0';
        int p2 = p1 * 10 + digits.charAt(1) - '0';
        int p3 = p2 * 10 + digits.charAt(2) - '0';
        int p4 = p3 * 10 + digits.charAt(3) - '0';
        if (p1 == 4 && (len == 13 || len == 16 || len == 19)) {
            return "VISA";
        }
        if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len == 16) {
            return "MASTERCARD";
        }
        if ((p2 == 34 || p2 == 37) && len == 15) {
            return "AMEX";
        }
        if ((p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) && len >= 16) {
            return "DISCOVER";
        }
        if (p4 >= 3528 && p4 <= 3589 && len >= 16) {
            return "JCB";
        }
        if ((p2 == 36 || p2 == 38 || (p3 >= 300 && p3 <= 305)) && len == 14) {
            return "DINERS";
        }
        return null;
    }

    /** Whether area, group and serial form a number the SSA can issue (area 001–899 except 666, group and serial not zero). */
    public static boolean ssn(int area, int group, int serial) {
        return area >= 1 && area <= 899 && area != 666 && group >= 1 && group <= 99 && serial >= 1 && serial <= 9999;
    }

    /** Whether area, group and serial form an ITIN: 9xx, group 50–65, 70–88, 90–92 or 94–99. */
    public static boolean itin(int area, int group, int serial) {
        boolean groupOk = (group >= 50 && group <= 65) || (group >= 70 && group <= 88) || (group >= 90 && group <= 92)
                || (group >= 94 && group <= 99);
        return area >= 900 && area <= 999 && groupOk && serial >= 0 && serial <= 9999;
    }

    /** Whether a compact (no spaces) IBAN has its country's length and a valid ISO 13616 mod-97 check. */
    public static boolean iban(CharSequence compact) {
        if (compact.length() < 5) {
            return false;
        }
        String country = compact.subSequence(0, 2).toString();
        Integer expected = IBAN_LENGTHS.get(country);
        if (expected == null || compact.length() != expected) {
            return false;
        }
        if (!Character.isDigit(compact.charAt(2)) || !Character.isDigit(compact.charAt(3))) {
            return false;
        }
        StringBuilder numeric = new StringBuilder(compact.length() * 2);
        String rearranged = compact.subSequence(4, compact.length()).toString() + compact.subSequence(0, 4);
        for (int i = 0; i < rearranged.length(); i++) {
            char c = rearranged.charAt(i);
            if (c >= '0' && c <= '9') {
                numeric.append(c);
            } else if (c >= 'A' && c <= 'Z') {
                numeric.append(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return new BigInteger(numeric.toString()).mod(NINETY_SEVEN).intValue() == 1;
    }
}
