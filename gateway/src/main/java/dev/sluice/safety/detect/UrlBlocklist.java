package dev.sluice.safety.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;

/**
 * Domains, URL prefixes and URL patterns known to be malicious: the bundled list plus an optional user file that is
 * re-read when it changes (checked at most once per {@code recheckNanos}). Format, one entry per line ({@code #}
 * comments): a domain ({@code evil.test}, matching subdomains too; {@code *.evil.test} is the same), a URL prefix
 * ({@code http://host/path}, or {@code host/path} for any scheme), or {@code re:<java regex>} found anywhere in the
 * URL, case-insensitively. Thread-safe.
 */
public final class UrlBlocklist {

    private static final String BUNDLED = "/dev/sluice/safety/detect/url-blocklist.txt";

    /** One parsed list. */
    record Entries(Set<String> domains, List<String> prefixes, List<Pattern> patterns) {
        static final Entries EMPTY = new Entries(Set.of(), List.of(), List.of());
    }

    private final Entries bundled;
    private final @Nullable Path userFile;
    private final LongSupplier nanoClock;
    private final long recheckNanos;
    private volatile Entries user = Entries.EMPTY;
    private volatile @Nullable FileTime userModified;
    private volatile long lastCheck;

    private UrlBlocklist(Entries bundled, @Nullable Path userFile, LongSupplier nanoClock, long recheckNanos) {
        this.bundled = bundled;
        this.userFile = userFile;
        this.nanoClock = nanoClock;
        this.recheckNanos = recheckNanos;
        if (userFile != null) {
            this.lastCheck = nanoClock.getAsLong();
            reload();
        }
    }

    /** The bundled list only. */
    public static UrlBlocklist bundled() {
        return new UrlBlocklist(readBundled(), null, System::nanoTime, 0);
    }

    /**
     * The bundled list plus {@code userFile}, re-read when its modification time changes (checked at most once a
     * second). A missing file counts as empty until it appears; a malformed file is rejected with its line number.
     */
    public static UrlBlocklist withUserFile(Path userFile) {
        return withUserFile(userFile, System::nanoTime, 1_000_000_000L);
    }

    /** As {@link #withUserFile(Path)} with an injected clock and re-check interval (for tests). */
    static UrlBlocklist withUserFile(Path userFile, LongSupplier nanoClock, long recheckNanos) {
        return new UrlBlocklist(readBundled(), userFile, nanoClock, recheckNanos);
    }

    private static Entries readBundled() {
        try (InputStream in = UrlBlocklist.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled URL blocklist " + BUNDLED + " is missing");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + BUNDLED, e);
        }
    }

    /** Parses a blocklist in the documented format; {@code origin} names it in errors. */
    static Entries parse(String content, String origin) {
        Set<String> domains = new HashSet<>();
        List<String> prefixes = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(content))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                String e = line.strip();
                if (e.isEmpty() || e.startsWith("#")) {
                    continue;
                }
                if (e.startsWith("re:")) {
                    try {
                        patterns.add(Pattern.compile(e.substring(3), Pattern.CASE_INSENSITIVE));
                    } catch (PatternSyntaxException ex) {
                        throw new IllegalArgumentException(origin + ":" + lineNo + ": bad pattern: " + ex.getDescription());
                    }
                } else if (e.contains("/")) {
                    String p = e.toLowerCase(Locale.ROOT);
                    int scheme = p.indexOf("://");
                    prefixes.add(scheme >= 0 ? p.substring(scheme + 3) : p);
                } else {
                    String d = e.toLowerCase(Locale.ROOT);
                    if (d.startsWith("*.")) {
                        d = d.substring(2);
                    }
                    if (d.contains(" ") || !d.contains(".")) {
                        throw new IllegalArgumentException(origin + ":" + lineNo + ": not a domain, URL or re: pattern: " + e);
                    }
                    domains.add(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Entries(Set.copyOf(domains), List.copyOf(prefixes), List.copyOf(patterns));
    }

    private void maybeReload() {
        if (userFile == null) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (now - lastCheck < recheckNanos) {
            return;
        }
        lastCheck = now;
        reload();
    }

    private synchronized void reload() {
        try {
            FileTime modified = Files.getLastModifiedTime(userFile);
            if (modified.equals(userModified)) {
                return;
            }
            user = parse(Files.readString(userFile, StandardCharsets.UTF_8), userFile.toString());
            userModified = modified;
        } catch (NoSuchFileException e) {
            user = Entries.EMPTY;
            userModified = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the URL blocklist " + userFile, e);
        }
    }

    /**
     * Whether the URL is listed.
     *
     * @param host the URL's host, lower case
     * @param rest the URL without its scheme ({@code host/path?query}), lower case
     * @param full the URL as written
     */
    boolean matches(String host, String rest, String full) {
        maybeReload();
        return matches(bundled, host, rest, full) || matches(user, host, rest, full);
    }

    private static boolean matches(Entries e, String host, String rest, String full) {
        if (!e.domains().isEmpty()) {
            String h = host;
            while (true) {
                if (e.domains().contains(h)) {
                    return true;
                }
                int dot = h.indexOf('.');
                if (dot < 0) {
                    break;
                }
                h = h.substring(dot + 1);
            }
        }
        for (String p : e.prefixes()) {
            if (rest.startsWith(p)) {
                return true;
            }
        }
        for (Pattern p : e.patterns()) {
            if (p.matcher(full).find()) {
                return true;
            }
        }
        return false;
    }
}
