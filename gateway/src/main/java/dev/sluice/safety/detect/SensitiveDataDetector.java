package dev.sluice.safety.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.SensitiveFinding;

/**
 * Finds sensitive data by pattern, validator and context: payment cards (issuer prefix, length, Luhn), US SSNs and
 * ITINs, IBANs (country length, mod 97), financial account numbers next to an account keyword, cloud credentials and
 * API keys in their published formats, private keys and passwords in obvious forms. Placeholders such as
 * {@code sk-your-key-here}, {@code <your-access-key-id>}, {@code ${GITHUB_TOKEN}} or masked values are not reported.
 * Stateless and thread-safe.
 */
public final class SensitiveDataDetector {

    private static final Pattern CARD = Pattern.compile("(?<![\\w.-])\\d(?:[ -]?\\d){12,18}(?![\\w-]|\\.\\d)");
    private static final Pattern SSN = Pattern.compile("(?<![\\w.-])(\\d{3})([- ]?)(\\d{2})\\2(\\d{4})(?![\\w-]|\\.\\d)");
    private static final Pattern IBAN = Pattern.compile("(?<![A-Za-z0-9])([A-Z]{2}\\d{2}(?: ?[A-Z0-9]){10,32})");
    private static final Pattern ACCOUNT = Pattern.compile(
            "(?i)\\b(?:account|acct|a/c|routing)\\s*(?:number|no\\.?|num|#)?\\s*(?:is|:|=|#)?\\s*(\\d(?:[ -]?\\d){5,16})(?![\\w-])");
    private static final Pattern AWS_KEY_ID = Pattern.compile("(?<![A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])");
    private static final Pattern AWS_SECRET = Pattern.compile(
            "(?i)aws_?secret_?(?:access_?)?key[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])");
    private static final Pattern GITHUB = Pattern.compile(
            "(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])");
    private static final Pattern GOOGLE_KEY = Pattern.compile("(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])");
    private static final Pattern OPENAI = Pattern.compile("(?<![A-Za-z0-9_-])(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})");
    private static final Pattern SLACK = Pattern.compile("(?<![A-Za-z0-9-])(xox[bpoasr]-[0-9A-Za-z-]{10,})");
    private static final Pattern STRIPE = Pattern.compile("(?<![A-Za-z0-9_])((?:sk|rk)_live_[0-9A-Za-z]{20,})");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\\s\\\\n]*)",
            Pattern.DOTALL);
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile("\"type\"\\s*:\\s*\"service_account\"");
    private static final Pattern GCP_PRIVATE_KEY = Pattern.compile("\"private_key(?:_id)?\"\\s*:\\s*\"([^\"]{8,})\"");
    private static final Pattern PASSWORD_KV = Pattern.compile(
            "(?i)(?<![A-Za-z])[A-Za-z_]*(?:password|passwd|passphrase|pwd)\\b[\"']?[ \\t]*(?:[:=]|:=)[ \\t]*[\"']?([^\\s\"',;|`<(\\[{]{3,})");
    private static final Pattern PASSWORD_IS = Pattern.compile(
            "(?i)\\bpassword\\b(?:[\\w -]{0,30}?)[ \\t](?:is|was|=|:)[ \\t]+[\"'“]?([^\\s\"'”`<(\\[{]{4,})");
    private static final Pattern PASSWORD_FLAG = Pattern.compile("(?:--password|--pass|--passwd)[ =][\"']?([^\\s\"']+)");
    private static final Pattern MYSQL_P = Pattern.compile("(?<=\\s)-p(?:'([^'\\s]+)'|\"([^\"\\s]+)\"|([^\\s'\"-][^\\s]*))");
    private static final Pattern URL_CREDENTIALS = Pattern.compile(
            "\\b[a-zA-Z][a-zA-Z0-9+.-]*://([^\\s:/@]+):(\\S+?)@(?=[\\w.-]+(?::\\d+)?(?:[/?#\\s\"'),]|$))");

    private static final Pattern CARD_CONTEXT = Pattern.compile(
            "(?i)card|credit|debit|visa|mastercard|master card|amex|american express|discover|\\bcc\\b|\\bpan\\b|payment|cvv|expir");
    private static final Pattern SSN_CONTEXT = Pattern.compile(
            "(?i)\\bssn|social security|\\bsocial\\b|social-security|\\bss#|\\bss no|taxpayer|\\btin\\b|\\bitin");
    private static final Pattern NOT_CARD_CONTEXT = Pattern.compile(
            "(?i)tracking|order|invoice|isbn|phone|tel\\b|ticket|reference|ref\\b|serial|imei|shipment|parcel|confirmation");

    /** Shell, template and environment references: {@code $VAR}, {@code ${VAR}}, {@code %VAR%}, {@code {{var}}}. */
    private static final Pattern VARIABLE = Pattern.compile(
            "\\$\\{?[A-Za-z_][A-Za-z0-9_.]*}?|%[A-Za-z_][A-Za-z0-9_]*%|\\{\\{.*}}|%s");

    private static final Set<String> PLACEHOLDER_WORDS = Set.of("your", "example", "placeholder", "redacted", "dummy",
            "changeme", "xxxx", "****", "...", "<", ">", "${", "{{", "getenv", "environ", "process.env", "_here",
            "-here", "insert", "replace_", "sample", "fake");

    /** Returns the findings in {@code text}, sorted by start offset; overlapping duplicates are removed. */
    public List<SensitiveFinding> find(String text) {
        return find(new TextView(text));
    }

    List<SensitiveFinding> find(TextView view) {
        String text = view.text;
        List<SensitiveFinding> out = new ArrayList<>();
        // The number patterns run only over the runs of digits the view found, not over the whole text.
        for (int[] run : view.digitRuns) {
            if (run[2] >= 13) {
                cards(text, run[0], run[1], out);
            }
            ssns(text, run[0], run[1], out);
        }
        if (view.longestDigitRun >= 2) {
            ibans(text, out);
        }
        if (view.longestDigitRun >= 6 && view.hasAny("account", "acct", "routing", "~a/c")) {
            accounts(text, out);
        }
        secrets(view, out);
        passwords(view, out);
        return dedupe(out);
    }

    private static boolean context(Pattern words, String text, int start, int end, int before, int after) {
        int from = Math.max(0, start - before);
        int to = Math.min(text.length(), end + after);
        return words.matcher(text).region(from, to).find();
    }

    private static Matcher inRegion(Pattern p, String text, int start, int end) {
        return p.matcher(text).region(start, end).useTransparentBounds(true).useAnchoringBounds(false);
    }

    private static void cards(String text, int start, int end, List<SensitiveFinding> out) {
        Matcher m = inRegion(CARD, text, start, end);
        while (m.find()) {
            String raw = m.group();
            // One separator kind only: "4111 1111-1111 1111" is not how cards are printed.
            if (raw.indexOf(' ') >= 0 && raw.indexOf('-') >= 0) {
                continue;
            }
            String digits = raw.replace(" ", "").replace("-", "");
            if (!Validators.luhn(digits)) {
                continue;
            }
            boolean cardWords = context(CARD_CONTEXT, text, m.start(), m.end(), 60, 30);
            if (Validators.cardBrand(digits) != null) {
                if (!cardWords && context(NOT_CARD_CONTEXT, text, m.start(), m.end(), 40, 0)) {
                    out.add(new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, m.start(), m.end(), Confidence.LOW));
                } else {
                    out.add(new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, m.start(), m.end(), Confidence.HIGH));
                }
            } else if (cardWords && digits.length() >= 14) {
                out.add(new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, m.start(), m.end(), Confidence.MEDIUM));
            }
        }
    }

    private static void ssns(String text, int start, int end, List<SensitiveFinding> out) {
        Matcher m = inRegion(SSN, text, start, end);
        while (m.find()) {
            int area = Integer.parseInt(m.group(1));
            int group = Integer.parseInt(m.group(3));
            int serial = Integer.parseInt(m.group(4));
            boolean separated = !m.group(2).isEmpty();
            boolean ctx = context(SSN_CONTEXT, text, m.start(), m.end(), 80, 60);
            String type;
            if (Validators.ssn(area, group, serial)) {
                type = InfoTypes.US_SOCIAL_SECURITY_NUMBER;
            } else if (Validators.itin(area, group, serial)) {
                type = InfoTypes.US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER;
            } else {
                continue;
            }
            Confidence c;
            if (separated) {
                c = ctx ? Confidence.HIGH : Confidence.MEDIUM;
            } else if (ctx) {
                c = Confidence.MEDIUM;
            } else {
                continue; // nine bare digits are too common (order numbers, ZIP codes run together) without context
            }
            out.add(new SensitiveFinding(type, m.start(), m.end(), c));
        }
    }

    private static void ibans(String text, List<SensitiveFinding> out) {
        // An IBAN starts with two capital letters and two digits; the pattern is tried only at such places.
        Matcher m = null;
        for (int i = 0, n = text.length() - 3; i < n; i++) {
            char a = text.charAt(i);
            char b = text.charAt(i + 1);
            if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z' || !Character.isDigit(text.charAt(i + 2))
                    || !Character.isDigit(text.charAt(i + 3))) {
                continue;
            }
            if (m == null) {
                m = IBAN.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            }
            m.region(i, Math.min(text.length(), i + 80));
            if (!m.lookingAt()) {
                continue;
            }
            int start = m.start(1);
            Integer expected = Validators.IBAN_LENGTHS.get(text.substring(start, start + 2));
            if (expected == null) {
                continue;
            }
            StringBuilder compact = new StringBuilder(expected);
            int j = start;
            int end = -1;
            while (j < m.end(1) && compact.length() < expected) {
                char c = text.charAt(j);
                if (c != ' ') {
                    compact.append(c);
                    end = j + 1;
                }
                j++;
            }
            if (compact.length() != expected) {
                continue;
            }
            // The IBAN must end at a word boundary, not run into more letters or digits.
            if (end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
                continue;
            }
            if (Validators.iban(compact)) {
                out.add(new SensitiveFinding(InfoTypes.IBAN_CODE, start, end, Confidence.HIGH));
                i = end - 1;
            }
        }
    }

    private static void accounts(String text, List<SensitiveFinding> out) {
        Matcher m = ACCOUNT.matcher(text);
        while (m.find()) {
            String digits = m.group(1).replace(" ", "").replace("-", "");
            if (digits.length() < 6 || digits.length() > 17 || digits.chars().distinct().count() < 3) {
                continue;
            }
            out.add(new SensitiveFinding(InfoTypes.FINANCIAL_ACCOUNT_NUMBER, m.start(1), m.end(1), Confidence.MEDIUM));
        }
    }

    private static void secrets(TextView view, List<SensitiveFinding> out) {
        String text = view.text;
        if (text.contains("AKIA") || text.contains("ASIA")) {
            addAll(AWS_KEY_ID.matcher(text), text, InfoTypes.AWS_CREDENTIALS, out);
        }
        if (view.contains("secret")) {
            addAll(AWS_SECRET.matcher(text), text, InfoTypes.AWS_CREDENTIALS, out);
        }
        if (text.contains("ghp_") || text.contains("gho_") || text.contains("ghs_") || text.contains("ghu_")
                || text.contains("ghr_") || text.contains("github_pat_")) {
            addAll(GITHUB.matcher(text), text, InfoTypes.AUTH_TOKEN, out);
        }
        if (text.contains("AIza")) {
            addAll(GOOGLE_KEY.matcher(text), text, InfoTypes.GCP_API_KEY, out);
        }
        if (text.contains("sk-")) {
            addAll(OPENAI.matcher(text), text, InfoTypes.AUTH_TOKEN, out);
        }
        if (text.contains("xox")) {
            addAll(SLACK.matcher(text), text, InfoTypes.AUTH_TOKEN, out);
        }
        if (text.contains("_live_")) {
            addAll(STRIPE.matcher(text), text, InfoTypes.AUTH_TOKEN, out);
        }
        if (text.contains("PRIVATE KEY-----")) {
            Matcher m = PEM.matcher(text);
            while (m.find()) {
                int end = m.end();
                while (end > m.start() && Character.isWhitespace(text.charAt(end - 1))) {
                    end--;
                }
                if (end - m.start() > 60) {
                    out.add(new SensitiveFinding(InfoTypes.ENCRYPTION_KEY, m.start(), end, Confidence.HIGH));
                }
            }
        }
        if (text.contains("private_key") || text.contains("service_account")) {
            boolean serviceAccount = SERVICE_ACCOUNT.matcher(text).find();
            Matcher m = GCP_PRIVATE_KEY.matcher(text);
            boolean found = false;
            while (m.find()) {
                if (!isPlaceholder(m.group(1))) {
                    out.add(new SensitiveFinding(InfoTypes.GCP_CREDENTIALS, m.start(1), m.end(1),
                            serviceAccount ? Confidence.HIGH : Confidence.MEDIUM));
                    found = true;
                }
            }
            if (serviceAccount && !found) {
                Matcher sa = SERVICE_ACCOUNT.matcher(text);
                if (sa.find() && text.contains("client_email")) {
                    out.add(new SensitiveFinding(InfoTypes.GCP_CREDENTIALS, sa.start(), sa.end(), Confidence.MEDIUM));
                }
            }
        }
    }

    private static void addAll(Matcher m, String text, String type, List<SensitiveFinding> out) {
        while (m.find()) {
            String value = m.group(1);
            if (isPlaceholder(value) || lowEntropy(value)) {
                continue;
            }
            out.add(new SensitiveFinding(type, m.start(1), m.end(1), Confidence.HIGH));
        }
    }

    private static void passwords(TextView view, List<SensitiveFinding> out) {
        String text = view.text;
        if (view.contains("pass") || view.contains("pwd")) {
            passwordValues(PASSWORD_KV.matcher(text), text, out, Confidence.HIGH);
            passwordValues(PASSWORD_IS.matcher(text), text, out, Confidence.MEDIUM);
            passwordValues(PASSWORD_FLAG.matcher(text), text, out, Confidence.HIGH);
        }
        if (text.contains(" -p")) {
            Matcher m = MYSQL_P.matcher(text);
            while (m.find()) {
                int g = m.group(1) != null ? 1 : m.group(2) != null ? 2 : 3;
                String v = m.group(g);
                // "-p 22" style flags take a separate argument; only the glued form carries a password.
                if (g == 3 && (v.chars().allMatch(Character::isDigit) || !mysqlLike(text, m.start()))) {
                    continue;
                }
                if (!isPlaceholder(v) && v.length() >= 4) {
                    out.add(new SensitiveFinding(InfoTypes.PASSWORD, m.start(g), m.end(g), Confidence.HIGH));
                }
            }
        }
        if (text.indexOf('@') >= 0 && text.contains("://")) {
            Matcher m = URL_CREDENTIALS.matcher(text);
            while (m.find()) {
                String v = m.group(2);
                if (!isPlaceholder(v) && v.length() >= 3 && !v.equalsIgnoreCase("password")) {
                    out.add(new SensitiveFinding(InfoTypes.PASSWORD, m.start(2), m.end(2), Confidence.HIGH));
                }
            }
        }
    }

    private static boolean mysqlLike(String text, int at) {
        int from = Math.max(0, at - 60);
        String before = text.substring(from, at).toLowerCase(java.util.Locale.ROOT);
        return before.contains("mysql") || before.contains("mariadb") || before.contains(" -u");
    }

    private static void passwordValues(Matcher m, String text, List<SensitiveFinding> out, Confidence c) {
        while (m.find()) {
            int s = m.start(1);
            int e = m.end(1);
            // Trailing sentence punctuation is not part of the password.
            while (e > s && ".,;:!?)".indexOf(text.charAt(e - 1)) >= 0 && e - s > 4) {
                if (text.charAt(e - 1) == '!' || text.charAt(e - 1) == '?') {
                    // "!" often ends a password ("Falcon2021!"); keep it unless the sentence clearly ends there.
                    if (e == text.length() || Character.isWhitespace(text.charAt(e))) {
                        break;
                    }
                }
                e--;
            }
            String v = text.substring(s, e);
            if (v.length() < 4 || isPlaceholder(v) || isCommonWord(v)) {
                continue;
            }
            out.add(new SensitiveFinding(InfoTypes.PASSWORD, s, e, c));
        }
    }

    private static final Set<String> NOT_PASSWORDS = Set.of("required", "incorrect", "wrong", "invalid", "expired",
            "reset", "forgotten", "forgot", "changed", "change", "correct", "missing", "empty", "none", "null", "true",
            "false", "hidden", "protected", "the", "not", "too", "same", "still", "being", "weak", "strong", "stored",
            "encrypted", "hashed", "secure", "long", "short", "case", "different", "needed", "locked", "blank",
            "string", "str", "optional", "password", "undefined", "sent", "valid", "working", "saved", "set", "updated");

    private static boolean isCommonWord(String v) {
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        if (NOT_PASSWORDS.contains(lower)) {
            return true;
        }
        // Plain lower-case words ("password is long enough") are prose, not credentials; real ones mix classes.
        boolean allLower = lower.equals(v) && v.chars().allMatch(ch -> ch >= 'a' && ch <= 'z');
        return allLower && v.length() < 12;
    }

    static boolean isPlaceholder(String value) {
        String lower = value.toLowerCase(java.util.Locale.ROOT);
        for (String w : PLACEHOLDER_WORDS) {
            if (lower.contains(w)) {
                return true;
            }
        }
        return lower.contains("***") || lower.contains("xxx") || lower.contains("•••") || lower.contains("...")
                || VARIABLE.matcher(value).matches();
    }

    /** Real keys are random; a value made of very few distinct characters is a placeholder like {@code sk-aaaa...}. */
    private static boolean lowEntropy(String value) {
        return value.chars().distinct().count() < 8;
    }

    private static List<SensitiveFinding> dedupe(List<SensitiveFinding> found) {
        if (found.size() < 2) {
            return found;
        }
        found.sort(Comparator.comparingInt(SensitiveFinding::start)
                .thenComparing(Comparator.comparingInt(SensitiveFinding::end).reversed())
                .thenComparing(f -> -f.likelihood().ordinal()));
        List<SensitiveFinding> out = new ArrayList<>(found.size());
        for (SensitiveFinding f : found) {
            boolean covered = false;
            for (SensitiveFinding kept : out) {
                if (kept.infoType().equals(f.infoType()) && kept.start() <= f.start() && f.end() <= kept.end()) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                out.add(f);
            }
        }
        return out;
    }
}
