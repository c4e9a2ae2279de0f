package dev.sluice.bench.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A check that a started process serves, polled until it passes. */
@FunctionalInterface
public interface Readiness {

    boolean check() throws InterruptedException;

    /** Ready once something accepts TCP connections on the port. */
    static Readiness tcp(int port) {
        return () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        };
    }

    /** Ready once every one of the checks passes, tried in order. */
    static Readiness all(Readiness... checks) {
        return () -> {
            for (Readiness check : checks) {
                if (!check.check()) {
                    return false;
                }
            }
            return true;
        };
    }

    /** Ready once a GET of the URI answers 200. */
    static Readiness http200(URI uri) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(500)).build();
        return () -> {
            try {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build();
                return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        };
    }
}
