package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server (the Debian package's {@code initdb} and {@code pg_ctl} from
 * {@code /usr/lib/postgresql/<version>/bin}) in a temp dir, listening on a free loopback port with its unix socket in
 * that dir, started and stopped by the tests themselves. PostgreSQL refuses to run as root, so as root the commands
 * run as the {@code postgres} system user (which the Debian package creates) through {@code runuser}, and the temp
 * dir is given to that user. Register it with {@code @RegisterExtension static final PostgresServer pg = new
 * PostgresServer();}. Fails, not skips, when the binaries are missing.
 */
public final class PostgresServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final String USER = "sluice";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private @Nullable Path dir;
    private @Nullable Path bin;
    private int port;
    private boolean running;

    /** Creates the cluster and starts the server. */
    public synchronized PostgresServer start() {
        bin = binDir();
        try {
            dir = Files.createTempDirectory("sluice-pg-");
            Files.createDirectories(dir.resolve("sock"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (isRoot()) {
            giveToPostgresUser(dir);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", USER, "-A", "trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions"), "initdb");
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = ExternalServers.freePort();
            try {
                pgStart();
                return this;
            } catch (IllegalStateException e) {
                // Most likely a port race: try another port.
                last = e;
            }
        }
        throw last;
    }

    private void pgStart() {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l",
                    dir.resolve("postgres.log").toString(), "-w", "-t", "60", "-o",
                    "-p " + port + " -k " + dir.resolve("sock") + " -c listen_addresses=127.0.0.1 " +
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    "start"), "pg_ctl start");
        running = true;
    }

    /**
     * Stops the server (clients are disconnected) and starts it again on the same port, data kept. A fast, not an
     * immediate, stop: with {@code synchronous_commit=off} the latter would lose the last commits.
     */
    public synchronized void restart() {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "fast", "-w", "stop"),
            "pg_ctl stop");
        running = false;
        pgStart();
    }

    /** Returns the JDBC URL of the {@code postgres} database. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /** Returns the JDBC URL of database {@code name}. */
    public String jdbcUrl(String name) {
        return "jdbc:postgresql://127.0.0.1:" + port + '/' + name + "?user=" + USER;
    }

    /** Creates a new empty database and returns its JDBC URL. */
    public String newDatabase() {
        final String name = "sluice_test_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return jdbcUrl(name);
    }

    private Path data() {
        return dir.resolve("data");
    }

    @Override
    public synchronized void close() {
        if (running) {
            running = false;
            try {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w",
                            "stop"), "pg_ctl stop");
            } catch (IllegalStateException e) {
                // Reported by the test that needed it; cleanup goes on.
            }
        }
        if (dir != null) {
            ExternalServers.deleteTree(dir);
            dir = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void run(List<String> command, String what) {
        final List<String> cmd = new ArrayList<>();
        if (isRoot()) {
            cmd.addAll(List.of(ExternalServers.onPath("runuser", "util-linux").toString(), "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        final Path out = dir.resolve(what.replace(' ', '-') + ".out");
        try {
            final Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                                                     .redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " took more than 90 s: " + ExternalServers.tail(out));
            }
            if (p.exitValue() != 0) {
                final Path log = dir.resolve("postgres.log");
                throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): " +
                                                ExternalServers.tail(out) +
                                                (Files.exists(log) ? "\n" + ExternalServers.tail(log) : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Returns the newest {@code /usr/lib/postgresql/<version>/bin} holding {@code initdb} and {@code pg_ctl}. */
    private static Path binDir() {
        final Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                final Path found = versions
                        .map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparingInt(b -> version(b.getParent().getFileName().toString())))
                        .orElse(null);
                if (found != null) {
                    return found;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw ExternalServers.missing("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)", "postgresql");
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name.replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void giveToPostgresUser(Path dir) {
        try {
            final UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            final UserPrincipal user;
            final GroupPrincipal group;
            try {
                user = users.lookupPrincipalByName("postgres");
                group = users.lookupPrincipalByGroupName("postgres");
            } catch (IOException e) {
                throw new IllegalStateException(
                        "PostgreSQL refuses to run as root and there is no `postgres` user to run it as; install " +
                        "the Debian package (`apt-get install -y postgresql`), which creates it", e);
            }
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.toList()) {
                    final PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                    v.setOwner(user);
                    v.setGroup(group);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + dir + " to the postgres user", e);
        }
    }
}
