package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    private static final Duration DEBOUNCE = Duration.ofMillis(50);

    @TempDir
    Path dir;

    private final List<GatewayConfig> reloads = new CopyOnWriteArrayList<>();
    private final List<ConfigException> failures = new CopyOnWriteArrayList<>();

    private static String pool(String name) {
        return ConfigLoaderTest.POOL.replace("name: pool", "name: " + name);
    }

    private static List<String> poolNames(GatewayConfig config) {
        return config.inferencePools().stream().map(r -> r.metadata().name()).toList();
    }

    @Test
    void reloadsAFolderOnChangeReportsFailuresAndRecovers() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), pool("a"));
        try (ConfigWatcher watcher = ConfigWatcher.start(dir, ConfigLoaderTest.SERVICES, DEBOUNCE,
                                                         reloads::add, failures::add)) {
            assertThat(watcher.path()).isEqualTo(dir);

            Files.writeString(dir.resolve("b.yaml"), pool("b"));
            await().untilAsserted(() -> assertThat(reloads).last().extracting(ConfigWatcherTest::poolNames)
                                                           .isEqualTo(List.of("a", "b")));

            // A broken file: reported, and the caller keeps what it had.
            Files.writeString(dir.resolve("b.yaml"), pool("b").replace("8000", "-8000"));
            await().untilAsserted(() -> assertThat(failures).hasSize(1));
            assertThat(failures.get(0).problems()).singleElement().satisfies(
                    p -> assertThat(p.toString()).startsWith(dir.resolve("b.yaml") + ":8: InferencePool/b: "));
            final int reloadsBefore = reloads.size();

            // Fixed again, by an editor-style atomic rename.
            final Path temp = Files.writeString(dir.resolve(".b.yaml.swp"), pool("c"));
            Files.move(temp, dir.resolve("b.yaml"), StandardCopyOption.ATOMIC_MOVE,
                       StandardCopyOption.REPLACE_EXISTING);
            await().untilAsserted(() -> assertThat(reloads).hasSizeGreaterThan(reloadsBefore).last()
                                                           .extracting(ConfigWatcherTest::poolNames)
                                                           .isEqualTo(List.of("a", "c")));
            assertThat(failures).hasSize(1);
        }
    }

    @Test
    void toleratesAWatchedFileVanishingForAWhile() throws Exception {
        final Path file = Files.writeString(dir.resolve("sluice.yaml"), pool("a"));
        try (ConfigWatcher watcher = ConfigWatcher.start(file, ConfigLoaderTest.SERVICES, DEBOUNCE,
                                                         reloads::add, failures::add)) {
            Files.delete(file);
            await().untilAsserted(() -> assertThat(failures).singleElement().satisfies(
                    e -> assertThat(e.getMessage()).isEqualTo(file + ": does not exist (expected: a YAML file " +
                                                              "or a folder of YAML files)")));

            Files.writeString(file, pool("back"));
            await().untilAsserted(() -> assertThat(reloads).last()
                                                           .extracting(ConfigWatcherTest::poolNames)
                                                           .isEqualTo(List.of("back")));
        }
    }

    @Test
    void followsAConfigMapStyleSymlinkSwap() throws Exception {
        // Kubernetes updates a mounted ConfigMap by pointing ..data at a new folder with one rename.
        final Path v1 = Files.createDirectories(dir.resolve("..v1"));
        Files.writeString(v1.resolve("sluice.yaml"), pool("one"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("sluice.yaml"), Path.of("..data/sluice.yaml"));
        assertThat(poolNames(ConfigLoader.load(dir, ConfigLoaderTest.SERVICES))).containsExactly("one");

        try (ConfigWatcher ignored = ConfigWatcher.start(dir, ConfigLoaderTest.SERVICES, DEBOUNCE,
                                                         reloads::add, failures::add)) {
            final Path v2 = Files.createDirectories(dir.resolve("..v2"));
            Files.writeString(v2.resolve("sluice.yaml"), pool("two"));
            final Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            await().untilAsserted(() -> assertThat(reloads).last().extracting(ConfigWatcherTest::poolNames)
                                                           .isEqualTo(List.of("two")));
            assertThat(failures).isEmpty();
        }
    }

    @Test
    void debouncesABurstOfWritesIntoOneReload() throws Exception {
        try (ConfigWatcher ignored = ConfigWatcher.start(dir, ConfigLoaderTest.SERVICES, Duration.ofMillis(300),
                                                         reloads::add, failures::add)) {
            for (int i = 0; i < 5; i++) {
                Files.writeString(dir.resolve("p" + i + ".yaml"), pool("p" + i));
            }
            await().untilAsserted(() -> assertThat(reloads).isNotEmpty());
            assertThat(reloads).last().extracting(ConfigWatcherTest::poolNames)
                               .isEqualTo(List.of("p0", "p1", "p2", "p3", "p4"));
            // The five writes took far less than the debounce interval, so they caused one reload.
            assertThat(reloads).hasSize(1);
            assertThat(failures).isEmpty();
        }
    }
}
