package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} (the Debian package's binary, found on the PATH) on a free loopback port, without
 * persistence, in a temp dir; started and stopped by the tests themselves. Register it with
 * {@code @RegisterExtension static final RedisServer redis = new RedisServer();}, or call {@link #start()} and
 * {@link #close()}. {@link #kill()} and {@link #restart()} simulate a crash and a restart on the same port (with an
 * empty dataset, as a restart without persistence gives). Fails, not skips, when the binary is missing.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private @Nullable Path dir;
    private @Nullable Process process;
    private int port;

    /** Starts the server on a free port. */
    public synchronized RedisServer start() {
        final Path binary = ExternalServers.onPath("redis-server", "redis-server");
        try {
            dir = Files.createTempDirectory("sluice-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = ExternalServers.freePort();
            try {
                launch(binary);
                return this;
            } catch (IllegalStateException e) {
                // Most likely another process took the port between the probe and the bind: try another.
                last = e;
            }
        }
        throw last;
    }

    private void launch(Path binary) {
        final Path log = dir.resolve("redis-" + port + ".log");
        final List<String> cmd = new ArrayList<>(List.of(
                binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no", "--protected-mode", "yes",
                // DEBUG SLEEP stands in for a stalled server in the timeout test.
                "--enable-debug-command", "local"));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: " +
                                                ExternalServers.tail(log));
            }
            if ("+PONG".equals(command("PING"))) {
                return;
            }
            sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING in 20 s: " +
                                        ExternalServers.tail(log));
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns the {@code redis://} URI of the server. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server at once (SIGKILL), as a crash would; the port stays reserved for {@link #restart()}. */
    public synchronized void kill() {
        final Process p = process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts the server again on the same port, with an empty dataset and no scripts loaded. */
    public synchronized void restart() {
        kill();
        final Path binary = ExternalServers.onPath("redis-server", "redis-server");
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                launch(binary);
                return;
            } catch (IllegalStateException e) {
                // The old socket may linger for a moment after a kill.
                last = e;
                sleep(100);
            }
        }
        throw last;
    }

    /**
     * Sends one inline command (words separated by spaces) and returns the reply: a status line as {@code +OK}, an
     * error as {@code -ERR ...}, an integer as {@code :1}, a bulk string as its text, a null bulk as {@code $-1},
     * or {@code null} when the server does not answer. Use {@link #call} for arrays.
     */
    public @Nullable String command(String inline) {
        try {
            final Object reply = call(inline);
            return reply instanceof List<?> ? reply.toString() : (String) reply;
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    /** Sends one inline command and returns the parsed reply: strings (status as {@code +..}), lists. */
    public Object call(String inline) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            s.setSoTimeout(5000);
            s.getOutputStream().write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return read(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the whole reply of an inline command that answers with one bulk string, such as {@code INFO}. */
    public String bulk(String inline) {
        final Object reply = call(inline);
        if (!(reply instanceof String text) || text.startsWith("-")) {
            throw new IllegalStateException(inline + ": unexpected reply " + reply);
        }
        return text;
    }

    /**
     * Starts {@code MONITOR} on its own connection and returns it; every command the server runs is added to
     * {@link Monitor#lines()} until it is closed.
     */
    public Monitor monitor() {
        return new Monitor(port);
    }

    /** A {@code MONITOR} connection collecting what the server runs. */
    public static final class Monitor implements AutoCloseable {
        private final Socket socket = new Socket();
        private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        Monitor(int port) {
            try {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.UTF_8));
                final InputStream in = socket.getInputStream();
                final String ok = readLine(in);
                if (!"+OK".equals(ok)) {
                    throw new IllegalStateException("MONITOR: " + ok);
                }
                reader = Thread.ofPlatform().daemon().name("redis-monitor").start(() -> {
                    try {
                        String line;
                        while ((line = readLine(in)) != null) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        // Closed.
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Returns the lines seen so far, such as {@code +1700000000.1 [0 127.0.0.1:5000] "EVALSHA" ...}. */
        public List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        /** Returns the commands clients sent (not those scripts ran), upper-cased, in order. */
        public List<String> clientCommands() {
            final List<String> out = new ArrayList<>();
            for (String l : lines()) {
                final int close = l.indexOf(']');
                if (close < 0 || l.contains("[0 lua]") || l.matches(".*\\[\\d+ lua\\].*")) {
                    continue;
                }
                final int q = l.indexOf('"', close);
                final int end = q < 0 ? -1 : l.indexOf('"', q + 1);
                if (end > q) {
                    out.add(l.substring(q + 1, end).toUpperCase(java.util.Locale.ROOT));
                }
            }
            return out;
        }

        @Override
        public void close() {
            try {
                socket.close();
                reader.join(5000);
            } catch (IOException e) {
                // Closing anyway.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Object read(InputStream in) throws IOException {
        final String head = readLine(in);
        if (head == null || head.isEmpty()) {
            throw new IOException("connection closed");
        }
        switch (head.charAt(0)) {
            case '$' -> {
                final int n = Integer.parseInt(head.substring(1));
                if (n < 0) {
                    return "$-1";
                }
                final byte[] body = in.readNBytes(n + 2);
                return new String(body, 0, n, StandardCharsets.UTF_8);
            }
            case '*' -> {
                final int n = Integer.parseInt(head.substring(1));
                final List<Object> items = new ArrayList<>(Math.max(0, n));
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default -> {
                return head;
            }
        }
    }

    private static @Nullable String readLine(InputStream in) throws IOException {
        final StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                return b.toString();
            }
            b.append((char) c);
        }
        return b.isEmpty() ? null : b.toString();
    }

    @Override
    public synchronized void close() {
        kill();
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
