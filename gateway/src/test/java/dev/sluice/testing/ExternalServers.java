package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** What the test-server helpers share: finding binaries, free loopback ports, and cleaning up temp dirs. */
final class ExternalServers {

    private ExternalServers() {}

    /** Returns {@code name} from the PATH, or fails telling which Debian package to install. */
    static Path onPath(String name, String debianPackage) {
        final String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            final Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/bin")) {
            final Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw missing(name, debianPackage);
    }

    static IllegalStateException missing(String what, String debianPackage) {
        return new IllegalStateException(what + " not found: these tests start their own server on a loopback " +
                                         "port; install it with `apt-get install -y " + debianPackage +
                                         "` (.ci/run does)");
    }

    /** Returns a loopback port that was free a moment ago; callers retry on a bind race. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A file the server still writes while it dies; the temp dir is cleaned by the OS later.
                }
            });
        } catch (IOException e) {
            // As above.
        }
    }

    static String tail(Path log) {
        try {
            final List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ')';
        }
    }
}
