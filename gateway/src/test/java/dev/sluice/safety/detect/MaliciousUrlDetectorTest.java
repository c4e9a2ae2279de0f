package dev.sluice.safety.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.safety.UriFinding;

class MaliciousUrlDetectorTest {

    private final MaliciousUrlDetector detector = new MaliciousUrlDetector(UrlBlocklist.bundled());

    private String reason(String url) {
        List<UriFinding> f = detector.find("see " + url + " now");
        return f.isEmpty() ? null : f.get(0).reason();
    }

    @Test
    void extractsUrlsWithOffsetsAndTrimsTrailingPunctuation() {
        String text = "Docs at https://example.org/a?b=1, mirror (www.example.net/x). Wiki: https://en.wikipedia.org/wiki/Foo_(bar).";
        List<UriFinding> urls = MaliciousUrlDetector.extract(text);
        assertThat(urls).extracting(UriFinding::uri).containsExactly("https://example.org/a?b=1", "www.example.net/x",
                "https://en.wikipedia.org/wiki/Foo_(bar)");
        for (UriFinding u : urls) {
            assertThat(text.substring(u.start(), u.end())).isEqualTo(u.uri());
        }
    }

    @Test
    void examinesAtMost256Urls() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append("https://site").append(i).append(".example/ ");
        }
        sb.append("http://malware.testing.google.test/testing/malware/");
        assertThat(MaliciousUrlDetector.extract(sb.toString())).hasSize(MaliciousUrlDetector.MAX_URLS);
        // the listed URL is the 301st: Model Armor does not look at it either
        assertThat(detector.find(sb.toString())).isEmpty();
        assertThat(detector.find("http://malware.testing.google.test/testing/malware/")).hasSize(1);
    }

    @Test
    void bundledBlocklistMatchesDomainsSubdomainsPrefixesAndPatterns() {
        assertThat(reason("https://testsafebrowsing.appspot.com/s/malware.html")).isEqualTo("blocklist");
        assertThat(reason("http://sub.malware.testing.google.test/x")).isEqualTo("blocklist");
        assertThat(reason("https://secure.eicar.org/eicar.com.txt")).isEqualTo("blocklist");
        assertThat(reason("https://testsafebrowsing.appspot.com/")).isNull();
        assertThat(reason("https://blog.example/wp-content/uploads/2024/invoice.exe")).isEqualTo("blocklist");
    }

    @Test
    void heuristicsFlagPhishingAndMalwareShapes() {
        assertThat(reason("http://203.0.113.50/paypal/login.php")).isEqualTo("ip-literal-host");
        assertThat(reason("http://198.51.100.7/update.exe")).isEqualTo("executable-from-ip-host");
        assertThat(reason("https://xn--pple-43d.com/verify")).startsWith("homoglyph-lookalike:apple");
        assertThat(reason("https://paypa1.com/signin")).isEqualTo("brand-lookalike:paypal");
        assertThat(reason("https://paypal.com.account-verify.example/login")).isEqualTo("brand-in-subdomain:paypal");
        assertThat(reason("https://www.paypal.com@198.51.100.7/")).isEqualTo("brand-in-userinfo");
        assertThat(reason("https://free-gift.top/setup.scr")).isEqualTo("executable-download");
        assertThat(reason("https://microsoft-support.xyz/help")).isEqualTo("brand-on-throwaway-tld:microsoft");
        assertThat(reason("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")).isEqualTo("data-uri-script");
        assertThat(reason("https://a.b.c.d.login.example.net/")).isEqualTo("excessive-subdomains");
    }

    @Test
    void ordinaryUrlsAreNotFlagged() {
        for (String url : List.of("https://www.paypal.com/signin", "https://github.com/org/repo/releases/download/v1/tool.exe",
                "http://127.0.0.1:8080/login", "https://docs.python.org/3/library/re.html", "www.apple.com",
                "https://accounts.google.com/signin", "ftp://ftp.example.org/pub/file.tar.gz",
                "data:image/png;base64,iVBORw0KGgo=")) {
            assertThat(reason(url)).as(url).isNull();
        }
    }

    @Test
    void userBlocklistIsReloadedWhenItChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("blocklist.txt");
        AtomicLong clock = new AtomicLong();
        UrlBlocklist list = UrlBlocklist.withUserFile(file, clock::get, 1_000);
        MaliciousUrlDetector d = new MaliciousUrlDetector(list);
        assertThat(d.find("go to https://bad.example/x")).isEmpty(); // no file yet

        Files.writeString(file, "# mine\nbad.example\nhttps://files.example/evil/\nre:track\\.php\\?id=\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        clock.addAndGet(1_000);
        assertThat(d.find("go to https://www.bad.example/x")).singleElement()
                .satisfies(u -> assertThat(u.reason()).isEqualTo("blocklist"));
        assertThat(d.find("https://files.example/evil/payload.bin")).hasSize(1);
        assertThat(d.find("https://files.example/good/readme")).isEmpty();
        assertThat(d.find("https://cdn.example/track.php?id=7")).hasSize(1);

        Files.writeString(file, "other.example\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
        assertThat(d.find("https://bad.example/x")).as("not re-checked before the interval").hasSize(1);
        clock.addAndGet(1_000);
        assertThat(d.find("https://bad.example/x")).isEmpty();
        assertThat(d.find("https://other.example/")).hasSize(1);
    }

    @Test
    void malformedBlocklistLinesAreRejectedWithTheirLineNumber() {
        assertThatThrownBy(() -> UrlBlocklist.parse("ok.example\nnot a domain\n", "list.txt"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("list.txt:2");
        assertThatThrownBy(() -> UrlBlocklist.parse("re:([a-z\n", "list.txt"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("list.txt:1: bad pattern");
    }
}
