package dev.sluice.bench.proxy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds wrk, nginx and haproxy, and names the Debian packages of those that are missing. */
public final class RequiredTools {

    /** Command name to the Debian package that ships it. */
    public static final Map<String, String> PACKAGES = Map.of("wrk", "wrk", "nginx", "nginx", "haproxy", "haproxy");

    // Debian installs nginx and haproxy in /usr/sbin, which a non-root PATH often lacks.
    private static final List<Path> EXTRA_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/sbin"));

    private final Map<String, Path> found = new LinkedHashMap<>();
    private final List<String> missing = new ArrayList<>();

    private RequiredTools() {
    }

    public static RequiredTools locate(String path) {
        RequiredTools tools = new RequiredTools();
        for (String command : List.of("wrk", "nginx", "haproxy")) {
            find(command, path).ifPresentOrElse(p -> tools.found.put(command, p), () -> tools.missing.add(command));
        }
        return tools;
    }

    static Optional<Path> find(String command, String path) {
        List<Path> dirs = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        return dirs.stream().map(d -> d.resolve(command)).filter(Files::isExecutable).findFirst();
    }

    public boolean allFound() {
        return missing.isEmpty();
    }

    public Path path(String command) {
        Path p = found.get(command);
        if (p == null) {
            throw new IllegalStateException(command + " was not found");
        }
        return p;
    }

    /** What to tell the user when something is missing. */
    public String missingMessage() {
        List<String> packages = missing.stream().map(PACKAGES::get).distinct().toList();
        return "missing on PATH: " + String.join(", ", missing) + ". Install the Debian package(s): apt-get install -y "
                + String.join(" ", packages) + "   (or run scripts/install-bench-tools)";
    }
}
