package dev.sluice.safety.detect;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;

// placeholder: replaced by the detectors branch at merge
/**
 * The production scanner's entry points ({@link #load()}, {@link #rulesOnly()}); this stand-in uses a handful of
 * regular expressions so the screening layer compiles and its end-to-end tests run until the detectors merge.
 */
public final class DefaultSafetyScanner implements SafetyScanner {

    // placeholder: replaced by the detectors branch at merge
    private static final Pattern INJECTION = Pattern.compile(
            "(?i)\\b(ignore|disregard|forget)\\s+(all\\s+)?(the\\s+)?(previous|prior|above)\\s+(instructions|rules)" +
            "|\\b(print|reveal|show)\\s+(me\\s+)?your\\s+system\\s+prompt|\\bdo\\s+anything\\s+now\\b");
    private static final Pattern DANGEROUS = Pattern.compile(
            "(?i)\\b(build|make|assemble)\\s+(a\\s+)?(pipe\\s+)?bomb\\b|\\bnerve\\s+agent\\b");
    private static final Pattern HARASSMENT = Pattern.compile(
            "(?i)\\bi\\s+will\\s+(hurt|kill|find)\\s+you\\b|\\byou\\s+are\\s+worthless\\b");
    private static final Pattern HATE = Pattern.compile("(?i)\\b(all|those)\\s+\\w+\\s+are\\s+vermin\\b");
    private static final Pattern SEXUAL = Pattern.compile("(?i)\\bexplicit\\s+sex(ual)?\\s+(scene|acts?)\\b");
    private static final Pattern CARD = Pattern.compile("\\b(?:\\d[ -]?){13,19}\\b");
    private static final Pattern SSN = Pattern.compile("\\b(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}\\b");
    private static final Pattern URL = Pattern.compile("https?://[^\\s\"'<>]+");

    private DefaultSafetyScanner() {}

    /** Returns the scanner with every stage. */
    public static DefaultSafetyScanner load() {
        return new DefaultSafetyScanner();
    }

    /** Returns the scanner with the rules stage only. */
    public static DefaultSafetyScanner rulesOnly() {
        return new DefaultSafetyScanner();
    }

    @Override
    public Detection scan(String text, Direction direction, Set<FilterKind> filters) {
        Confidence pi = null;
        if (filters.contains(FilterKind.PI_AND_JAILBREAK) && INJECTION.matcher(text).find()) {
            pi = Confidence.HIGH;
        }
        final Map<RaiCategory, Confidence> rai = new EnumMap<>(RaiCategory.class);
        if (filters.contains(FilterKind.RAI)) {
            put(rai, RaiCategory.DANGEROUS, DANGEROUS, text);
            put(rai, RaiCategory.HARASSMENT, HARASSMENT, text);
            put(rai, RaiCategory.HATE_SPEECH, HATE, text);
            put(rai, RaiCategory.SEXUALLY_EXPLICIT, SEXUAL, text);
        }
        final List<SensitiveFinding> sensitive = new ArrayList<>();
        if (filters.contains(FilterKind.SDP)) {
            final Matcher m = CARD.matcher(text);
            while (m.find()) {
                if (luhn(m.group())) {
                    sensitive.add(new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, m.start(), m.end(),
                                                       Confidence.HIGH));
                }
            }
            final Matcher s = SSN.matcher(text);
            while (s.find()) {
                sensitive.add(new SensitiveFinding(InfoTypes.US_SOCIAL_SECURITY_NUMBER, s.start(), s.end(),
                                                   Confidence.MEDIUM));
            }
            sensitive.sort(java.util.Comparator.comparingInt(SensitiveFinding::start));
        }
        final List<UriFinding> uris = new ArrayList<>();
        if (filters.contains(FilterKind.MALICIOUS_URIS)) {
            final Matcher u = URL.matcher(text);
            for (int n = 0; u.find() && n < 256; n++) {
                if (u.group().matches("https?://\\d+\\.\\d+\\.\\d+\\.\\d+.*")) {
                    uris.add(new UriFinding(u.group(), u.start(), u.end(), "ip-literal-host"));
                }
            }
        }
        return new Detection(pi, rai, null, sensitive, uris);
    }

    private static void put(Map<RaiCategory, Confidence> rai, RaiCategory c, Pattern p, String text) {
        if (p.matcher(text).find()) {
            rai.put(c, Confidence.HIGH);
        }
    }

    private static boolean luhn(String number) {
        int sum = 0;
        int digits = 0;
        boolean twice = false;
        for (int i = number.length() - 1; i >= 0; i--) {
            final char ch = number.charAt(i);
            if (ch < '0' || ch > '9') {
                continue;
            }
            int d = ch - '0';
            if (twice) {
                d *= 2;
                d = d > 9 ? d - 9 : d;
            }
            sum += d;
            twice = !twice;
            digits++;
        }
        return digits >= 13 && sum % 10 == 0;
    }
}
