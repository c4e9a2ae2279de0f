package dev.sluice.bench.proxy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds each arm: writes its config into its own folder under the temp directory and returns how to run it. */
public final class Arms {

    public static final String DIRECT = "direct";
    public static final String NGINX = "nginx";
    public static final String HAPROXY = "haproxy";
    public static final String SLUICE = "sluice";

    private static final Duration NATIVE_READY = Duration.ofSeconds(10);
    private static final Duration SLUICE_READY = Duration.ofSeconds(60);

    private Arms() {
    }

    /** The fixed nginx backend; measuring it is the "direct" arm. */
    public static Arm direct(Path nginx, Path tmp, int port) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("backend"));
        Files.writeString(dir.resolve("nginx.conf"), Configs.nginxBackend(dir, port));
        return new ProcessArm(DIRECT, port, false, nginxCommand(nginx, dir), dir, Readiness.tcp(port), NATIVE_READY);
    }

    public static Arm nginx(Path nginx, Path tmp, int port, int backendPort) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nginx"));
        Files.writeString(dir.resolve("nginx.conf"), Configs.nginxProxy(dir, port, backendPort));
        return new ProcessArm(NGINX, port, true, nginxCommand(nginx, dir), dir, Readiness.tcp(port), NATIVE_READY);
    }

    public static Arm haproxy(Path haproxy, Path tmp, int port, int backendPort) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("haproxy"));
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, Configs.haproxy(port, backendPort));
        // -db: stay in the foreground, not daemonized, so we own (and can measure and stop) the process.
        List<String> command = List.of(haproxy.toString(), "-db", "-f", config.toString());
        return new ProcessArm(HAPROXY, port, true, command, dir, Readiness.tcp(port), NATIVE_READY);
    }

    /** Sluice serving {@code <tmp>/sluice/gateway.yaml}; ready when its admin /healthz answers 200 and its port accepts. */
    public static Arm sluice(SluiceLaunch launch, Path tmp, int port, int adminPort, int backendPort)
            throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sluice"));
        Files.writeString(dir.resolve("gateway.yaml"), Configs.sluiceGateway(port, backendPort));
        URI health = URI.create("http://127.0.0.1:" + adminPort + "/healthz");
        // Health may answer before the traffic listener is bound; wrk must not meet a closed port.
        Readiness ready = Readiness.all(Readiness.http200(health), Readiness.tcp(port));
        return new ProcessArm(SLUICE, port, true, launch.command(dir, adminPort), dir, ready, SLUICE_READY);
    }

    private static List<String> nginxCommand(Path nginx, Path dir) {
        // -p/-e keep nginx from touching /var/log/nginx before it has read our config.
        return List.of(nginx.toString(), "-p", dir + "/", "-e", dir.resolve("error.log").toString(), "-c",
                dir.resolve("nginx.conf").toString());
    }

    /** How to launch Sluice: which java, which JVM options, which jar. */
    public record SluiceLaunch(Path java, List<String> javaOptions, Path jar) {

        public List<String> command(Path configDir, int adminPort) {
            List<String> command = new ArrayList<>();
            command.add(java.toString());
            command.addAll(javaOptions);
            command.addAll(List.of("-jar", jar.toString(), "serve", "--config", configDir.toString(), "--admin-port",
                    Integer.toString(adminPort)));
            return command;
        }

        /**
         * The default JVM options; {@code --sun-misc-unsafe-memory-access} only exists from JDK 23 on, so an older
         * JVM would refuse to start with it.
         */
        public static List<String> defaultJavaOptions(int javaFeatureVersion) {
            List<String> options = new ArrayList<>();
            if (javaFeatureVersion >= 23) {
                options.add("--sun-misc-unsafe-memory-access=allow");
            }
            options.add("--enable-native-access=ALL-UNNAMED");
            options.add("-XX:+UseParallelGC");
            return options;
        }
    }
}
