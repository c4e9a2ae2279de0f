package dev.sluice.config;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.config.Resources.Location;

/**
 * Watches a config file or folder and reloads it with {@link ConfigLoader} when it changes.
 *
 * <p>The watcher watches the directory, not the file: editors save by writing a new file and renaming it over the
 * old one, and Kubernetes updates a mounted ConfigMap by swapping a {@code ..data} symbolic link, and neither
 * changes the original file's inode. Changes are debounced: a reload starts once the directory has been quiet for
 * the debounce interval, so a burst of writes causes one reload. Successful reloads go to {@code onReload}; a
 * failed one goes to {@code onFailure} and the caller keeps its previous configuration. A reload that yields the
 * same configuration as the last successful one is not reported again, unless a failure came in between.
 *
 * <p>Callbacks run on the watcher's own daemon thread, one at a time. The watcher does not load the configuration
 * when it starts: start it first, then load the initial configuration, so that no change falls in between.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ConfigWatcher.class);

    /** The debounce interval used when none is given. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(200);

    /** How long to wait before trying again to watch a directory that has gone away. */
    private static final Duration REWATCH_INTERVAL = Duration.ofSeconds(1);

    private final Path path;
    private final Path directory;
    private final Set<String> knownServices;
    private final Duration debounce;
    private final Consumer<GatewayConfig> onReload;
    private final Consumer<ConfigException> onFailure;
    private final WatchService watchService;
    private final Thread thread;
    private volatile boolean closed;
    private @Nullable GatewayConfig last;

    /**
     * Starts watching {@code path} (a config file or folder) with the default debounce interval.
     *
     * @throws IOException if the directory cannot be watched
     */
    public static ConfigWatcher start(Path path, Set<String> knownExtensionServices,
                                      Consumer<GatewayConfig> onReload,
                                      Consumer<ConfigException> onFailure) throws IOException {
        return start(path, knownExtensionServices, DEFAULT_DEBOUNCE, onReload, onFailure);
    }

    /**
     * Starts watching {@code path} (a config file or folder), reloading once changes have been quiet for
     * {@code debounce}.
     *
     * @throws IOException if the directory cannot be watched
     */
    public static ConfigWatcher start(Path path, Set<String> knownExtensionServices, Duration debounce,
                                      Consumer<GatewayConfig> onReload,
                                      Consumer<ConfigException> onFailure) throws IOException {
        final ConfigWatcher watcher =
                new ConfigWatcher(path, knownExtensionServices, debounce, onReload, onFailure);
        watcher.thread.start();
        return watcher;
    }

    private ConfigWatcher(Path path, Set<String> knownServices, Duration debounce,
                          Consumer<GatewayConfig> onReload, Consumer<ConfigException> onFailure)
            throws IOException {
        this.path = requireNonNull(path, "path");
        this.knownServices = Set.copyOf(requireNonNull(knownServices, "knownExtensionServices"));
        this.debounce = requireNonNull(debounce, "debounce");
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("debounce: " + debounce + " (expected: >= 0)");
        }
        this.onReload = requireNonNull(onReload, "onReload");
        this.onFailure = requireNonNull(onFailure, "onFailure");
        // A folder is watched itself; a file through its directory (see the class comment).
        final Path absolute = path.toAbsolutePath().normalize();
        directory = Files.isDirectory(absolute) ? absolute : absolute.getParent();
        watchService = FileSystems.getDefault().newWatchService();
        try {
            register();
        } catch (IOException e) {
            watchService.close();
            throw e;
        }
        thread = Thread.ofPlatform().daemon().name("sluice-config-watcher").unstarted(this::run);
    }

    private void register() throws IOException {
        directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                           StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    }

    /** Returns the file or folder this watcher reloads. */
    public Path path() {
        return path;
    }

    private void run() {
        try {
            while (!closed) {
                final WatchKey key = watchService.take();
                boolean valid = drain(key);
                // Debounce: keep absorbing events until the directory has been quiet for the whole interval.
                WatchKey next;
                while ((next = watchService.poll(debounce.toNanos(), TimeUnit.NANOSECONDS)) != null) {
                    valid &= drain(next);
                }
                reload();
                if (!valid) {
                    rewatch();
                }
            }
        } catch (ClosedWatchServiceException e) {
            // close() was called.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Consumes a key's events; returns whether the key still watches the directory. */
    private static boolean drain(WatchKey key) {
        // Which entries changed does not matter: any change in the directory leads to one full reload, which
        // also covers OVERFLOW (events lost).
        key.pollEvents();
        return key.reset();
    }

    /** Waits for a deleted directory to come back, then watches it again, reloading once it does. */
    private void rewatch() throws InterruptedException {
        while (!closed) {
            // Waiting on the (now idle) watch service rather than sleeping lets close() end the wait at once.
            watchService.poll(REWATCH_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
            try {
                register();
                reload();
                return;
            } catch (IOException e) {
                logger.debug("Still cannot watch {}: {}", directory, e.toString());
            }
        }
    }

    private void reload() {
        if (closed) {
            return;
        }
        final GatewayConfig config;
        try {
            config = ConfigLoader.load(path, knownServices);
        } catch (ConfigException e) {
            last = null;
            notify(onFailure, e);
            return;
        } catch (RuntimeException e) {
            // A bug in the loader must not stop the watcher; report it as a failed reload.
            logger.warn("Unexpected error while reloading {}", path, e);
            last = null;
            notify(onFailure, new ConfigException(List.of(new ConfigProblem(
                    new Location(path.toString(), 0), null, null, "cannot load: " + e))));
            return;
        }
        if (config.equals(last)) {
            return;
        }
        last = config;
        notify(onReload, config);
    }

    private static <T> void notify(Consumer<T> consumer, T value) {
        try {
            consumer.accept(value);
        } catch (RuntimeException e) {
            logger.warn("A config reload callback failed", e);
        }
    }

    /** Stops watching; callbacks in progress finish, and no new ones start. */
    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (IOException e) {
            logger.debug("Failed to close the watch service", e);
        }
        // Closing the watch service wakes the thread; it is not interrupted, so a running callback completes.
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
