package dev.sluice.safety.detect;

import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.UriFinding;

/**
 * Extracts URLs from a text (at most {@link #MAX_URLS}, as Model Armor) and judges each by a blocklist and by
 * phishing and malware heuristics: IP-literal hosts serving logins or executables, punycode and look-alike spellings
 * of well-known brands, a brand's domain used as a subdomain or as user info ({@code paypal.com@evil.test}),
 * executables from IP hosts or throwaway TLDs, {@code data:} URIs carrying HTML or script, and brand names on
 * throwaway TLDs. Thread-safe.
 */
public final class MaliciousUrlDetector {

    /** Model Armor examines at most this many URLs per text. */
    public static final int MAX_URLS = 256;

    private static final Pattern URL = Pattern.compile(
            "(?:(?:https?|ftp)://|www\\.)[^\\s<>\"'`\\\\]+|data:[a-z]+/[a-z0-9.+-]+[;,][^\\s\"'`]+|"
                    + "hxxps?\\[?:\\]?//[^\\s<>\"'`]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern NUMERIC_HOST = Pattern.compile("(?:0x[0-9a-f]+|\\d{8,10})");
    private static final Set<String> EXECUTABLE = Set.of("exe", "scr", "apk", "msi", "bat", "cmd", "vbs", "hta",
            "ps1", "jar", "dll", "pif", "com", "js", "jse", "wsf", "lnk", "iso", "dmg", "pkg", "sh");
    private static final Set<String> RARELY_LEGITIMATE = Set.of("scr", "hta", "vbs", "pif", "jse", "wsf", "lnk");
    private static final Set<String> THROWAWAY_TLDS = Set.of("zip", "mov", "xyz", "top", "tk", "ml", "ga", "cf", "gq",
            "click", "country", "kim", "work", "rest", "cam", "icu", "buzz", "loan", "men", "support", "live", "online",
            "site", "club", "info", "ru", "su", "cn", "shop", "monster", "cyou", "sbs", "bond");
    private static final Set<String> BRANDS = Set.of("paypal", "apple", "google", "microsoft", "amazon", "facebook",
            "instagram", "netflix", "bankofamerica", "chase", "wellsfargo", "linkedin", "dropbox", "office365",
            "outlook", "icloud", "github", "coinbase", "binance", "metamask", "steam", "steamcommunity", "whatsapp",
            "twitter", "yahoo", "dhl", "fedex", "usps", "irs", "ebay", "adobe", "docusign", "citibank", "hsbc",
            "barclays", "santander", "openai", "gmail", "hotmail", "live", "onedrive", "sharepoint", "telegram");
    private static final Set<String> REPUTABLE = Set.of("microsoft.com", "github.com", "githubusercontent.com",
            "python.org", "mozilla.org", "google.com", "apple.com", "oracle.com", "adobe.com", "sourceforge.net",
            "apache.org", "java.com", "nodejs.org", "golang.org", "go.dev", "rust-lang.org", "videolan.org",
            "7-zip.org", "gnu.org", "kernel.org", "debian.org", "ubuntu.com", "zoom.us", "slack.com", "docker.com");
    private static final Pattern LOGIN_WORDS = Pattern.compile(
            "(?i)login|log-in|signin|sign-in|verify|verification|account|secure|update|wallet|banking|password|confirm|unlock|suspend");
    /** Latin look-alikes of Cyrillic and Greek letters and digits used in look-alike domains. */
    private static final Map<Character, Character> CONFUSABLES = Map.ofEntries(
            Map.entry('а', 'a'), Map.entry('е', 'e'), Map.entry('о', 'o'), Map.entry('р', 'p'), Map.entry('с', 'c'),
            Map.entry('х', 'x'), Map.entry('у', 'y'), Map.entry('і', 'i'), Map.entry('ѕ', 's'), Map.entry('ԁ', 'd'),
            Map.entry('ӏ', 'l'), Map.entry('ԛ', 'q'), Map.entry('ɡ', 'g'), Map.entry('ο', 'o'), Map.entry('α', 'a'),
            Map.entry('ν', 'v'), Map.entry('ı', 'i'), Map.entry('ɩ', 'l'), Map.entry('ʟ', 'l'), Map.entry('κ', 'k'),
            Map.entry('0', 'o'), Map.entry('1', 'l'), Map.entry('3', 'e'), Map.entry('5', 's'), Map.entry('4', 'a'),
            Map.entry('7', 't'), Map.entry('$', 's'), Map.entry('@', 'a'));

    private static final Pattern PRIVATE_172 = Pattern.compile("172\\.(1[6-9]|2\\d|3[01])\\.");

    private final UrlBlocklist blocklist;

    /** A detector using {@code blocklist}. */
    public MaliciousUrlDetector(UrlBlocklist blocklist) {
        this.blocklist = blocklist;
    }

    /** The URLs of {@code text} in order, at most {@link #MAX_URLS}, with trailing punctuation trimmed. */
    public static List<UriFinding> extract(String text) {
        return extract(new TextView(text));
    }

    private static final String[] URL_STARTS = {"http", "ftp://", "www.", "data:", "hxxp"};

    static List<UriFinding> extract(TextView view) {
        String text = view.text;
        String lower = view.lower;
        List<UriFinding> out = new ArrayList<>();
        // Candidate starts by plain substring search; the pattern is then tried only there (anchored), which is much
        // cheaper than letting a case-insensitive alternation scan every position of the text.
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>();
        for (String s : URL_STARTS) {
            for (int i = lower.indexOf(s); i >= 0 && starts.size() < 4 * MAX_URLS; i = lower.indexOf(s, i + 1)) {
                if (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1))) {
                    starts.add(i);
                }
            }
        }
        if (starts.isEmpty()) {
            return out;
        }
        Matcher m = URL.matcher(lower);
        int consumed = 0;
        for (int start : starts) {
            if (out.size() >= MAX_URLS) {
                break;
            }
            if (start < consumed) {
                continue;
            }
            m.region(start, lower.length());
            if (!m.lookingAt()) {
                continue;
            }
            int end = m.end();
            while (end > start && ".,;:!?)]}'\"*".indexOf(text.charAt(end - 1)) >= 0) {
                char c = text.charAt(end - 1);
                // Keep a closing parenthesis that belongs to the URL (Wikipedia-style paths).
                if (c == ')' && text.substring(start, end).indexOf('(') >= 0) {
                    break;
                }
                end--;
            }
            consumed = m.end();
            out.add(new UriFinding(text.substring(start, end), start, end, "extracted"));
        }
        return out;
    }

    /** The malicious URLs of {@code text} (of the first {@link #MAX_URLS} extracted), each with its reason. */
    public List<UriFinding> find(String text) {
        return find(new TextView(text));
    }

    List<UriFinding> find(TextView view) {
        List<UriFinding> out = new ArrayList<>();
        for (UriFinding u : extract(view)) {
            String reason = judge(u.uri());
            if (reason != null) {
                out.add(new UriFinding(u.uri(), u.start(), u.end(), reason));
            }
        }
        return out;
    }

    /** Why {@code url} is malicious, or {@code null} when nothing points to it. */
    @Nullable String judge(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            return lower.startsWith("data:text/html") || lower.startsWith("data:application/javascript")
                    || lower.startsWith("data:text/javascript") || lower.startsWith("data:image/svg+xml")
                    || lower.contains("<script") || lower.contains("%3cscript") ? "data-uri-script" : null;
        }
        if (lower.startsWith("hxxp")) {
            lower = "http" + lower.substring(4).replace("[:]", ":").replace("[.]", ".");
        }
        String rest = lower.startsWith("www.") ? lower : lower.substring(lower.indexOf("://") + 3);
        int authEnd = indexOfAny(rest, "/?#");
        String authority = authEnd < 0 ? rest : rest.substring(0, authEnd);
        String path = authEnd < 0 ? "" : rest.substring(authEnd);
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        String host = authority;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = close > 0 ? host.substring(0, close + 1) : host;
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) {
                host = host.substring(0, colon);
            }
        }
        host = host.replace("[.]", ".");
        while (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty()) {
            return null;
        }
        String hostAndPath = host + path;
        if (blocklist.matches(host, hostAndPath, url)) {
            return "blocklist";
        }
        boolean ipHost = host.startsWith("[") || IPV4.matcher(host).matches() || NUMERIC_HOST.matcher(host).matches();
        String unicodeHost = unicode(host);
        String[] labels = unicodeHost.split("\\.");
        String tld = labels[labels.length - 1];
        String registrable = registrable(labels);
        String owner = registrableLabel(labels);
        String ext = extension(path);

        if (userInfo != null && (userInfo.contains(".") && brandMention(userInfo) != null)) {
            return "brand-in-userinfo";
        }
        if (!ipHost) {
            String lookalike = lookalikeBrand(labels, owner);
            if (lookalike != null) {
                return (unicodeHost.equals(host) ? "brand-lookalike:" : "homoglyph-lookalike:") + lookalike;
            }
            for (int i = 0; i < labels.length - 2; i++) {
                if (BRANDS.contains(labels[i]) && !labels[i].equals(owner) && i + 1 < labels.length
                        && (labels[i + 1].equals("com") || labels[i + 1].equals("net") || labels[i + 1].equals("org"))) {
                    return "brand-in-subdomain:" + labels[i];
                }
            }
        }
        if (ipHost && !isPrivate(host)) {
            if (ext != null && EXECUTABLE.contains(ext)) {
                return "executable-from-ip-host";
            }
            if (LOGIN_WORDS.matcher(path).find() || brandMention(path) != null) {
                return "ip-literal-host";
            }
        }
        boolean throwaway = THROWAWAY_TLDS.contains(tld);
        if (ext != null && EXECUTABLE.contains(ext) && !REPUTABLE.contains(registrable)
                && (throwaway || RARELY_LEGITIMATE.contains(ext))) {
            return "executable-download";
        }
        String brand = brandMention(unicodeHost);
        if (throwaway && brand != null && !brand.equals(owner)) {
            return "brand-on-throwaway-tld:" + brand;
        }
        if (labels.length >= 6 && (brand != null || LOGIN_WORDS.matcher(unicodeHost).find())) {
            return "excessive-subdomains";
        }
        if (brand != null && !brand.equals(owner) && LOGIN_WORDS.matcher(unicodeHost).find()) {
            return "brand-with-login-host:" + brand;
        }
        return null;
    }

    private static boolean isPrivate(String host) {
        return host.startsWith("127.") || host.startsWith("10.") || host.startsWith("192.168.") || host.equals("[::1]")
                || host.startsWith("169.254.") || PRIVATE_172.matcher(host).lookingAt() || host.equals("0.0.0.0");
    }

    private static @Nullable String extension(String path) {
        int q = indexOfAny(path, "?#");
        String p = q < 0 ? path : path.substring(0, q);
        int slash = p.lastIndexOf('/');
        int dot = p.lastIndexOf('.');
        return dot > slash && dot < p.length() - 1 ? p.substring(dot + 1) : null;
    }

    private static String unicode(String host) {
        if (!host.contains("xn--")) {
            return host;
        }
        try {
            return IDN.toUnicode(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return host;
        }
    }

    private static final Set<String> SECOND_LEVEL = Set.of("co", "com", "org", "net", "ac", "gov", "edu");

    private static int registrableIndex(String[] labels) {
        if (labels.length >= 3 && labels[labels.length - 1].length() == 2 && SECOND_LEVEL.contains(labels[labels.length - 2])) {
            return labels.length - 3;
        }
        return Math.max(0, labels.length - 2);
    }

    private static String registrableLabel(String[] labels) {
        return labels[registrableIndex(labels)];
    }

    private static String registrable(String[] labels) {
        return String.join(".", java.util.Arrays.copyOfRange(labels, registrableIndex(labels), labels.length));
    }

    private static @Nullable String brandMention(String s) {
        for (String b : BRANDS) {
            if (b.length() >= 5 && s.contains(b)) {
                return b;
            }
        }
        return null;
    }

    /** A brand spelled with look-alike characters in the registrable label ({@code paypa1}, {@code аpple}). */
    private static @Nullable String lookalikeBrand(String[] labels, String owner) {
        if (BRANDS.contains(owner)) {
            return null;
        }
        StringBuilder skeleton = new StringBuilder(owner.length());
        boolean changed = false;
        for (int i = 0; i < owner.length(); i++) {
            char c = owner.charAt(i);
            Character mapped = CONFUSABLES.get(c);
            if (mapped != null) {
                skeleton.append(mapped.charValue());
                changed = true;
            } else {
                skeleton.append(c);
            }
        }
        String s = skeleton.toString();
        if (changed && BRANDS.contains(s)) {
            return s;
        }
        // Doubled letters and hyphenated variants: "paypall", "pay-pal", "rnicrosoft".
        String squashed = s.replace("-", "").replace("rn", "m").replace("vv", "w");
        if (!squashed.equals(owner) && BRANDS.contains(squashed)) {
            return squashed;
        }
        return null;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
