package dev.sluice.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 request on a raw socket, for tests that must control exactly when the client goes away.
 */
final class RawStream implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader reader;

    RawStream(SimulatorServer server, String path, String jsonBody) {
        try {
            socket = new Socket("127.0.0.1", server.port());
            socket.setSoTimeout(10_000);
            final byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
            final OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\n" +
                       "host: 127.0.0.1\r\n" +
                       "content-type: application/json\r\n" +
                       "content-length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads lines until one starts with {@code prefix} and returns it, or {@code null} at end of stream. */
    String readLineStartingWith(String prefix) {
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
