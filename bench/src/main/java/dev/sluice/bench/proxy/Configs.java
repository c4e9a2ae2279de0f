package dev.sluice.bench.proxy;

import java.nio.file.Path;

/** Renders every config file the benchmark writes: both nginx instances, HAProxy, Sluice and the wrk Lua script. */
public final class Configs {

    /** The OpenAI completion the backend returns for every request; no single quotes, as nginx quotes it with them. */
    public static final String COMPLETION_JSON = "{\"id\":\"cmpl-bench\",\"object\":\"text_completion\","
            + "\"created\":1700000000,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"text\":\"Hi!\","
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";

    /** The request body wrk sends; Sluice must route it by its "model". */
    public static final String REQUEST_JSON = "{\"model\":\"bench-model\",\"prompt\":\"Say hi\",\"max_tokens\":8}";

    public static final String REQUEST_PATH = "/v1/completions";

    private Configs() {
    }

    /** The fixed backend: one nginx worker answering any path with {@link #COMPLETION_JSON}. */
    public static String nginxBackend(Path dir, int port) {
        return nginxMain(dir) + """
                http {
                    access_log off;
                %s
                    # nginx's default of 1000 requests per connection would make wrk reconnect mid-run.
                    keepalive_requests 1000000;
                    keepalive_timeout 75s;
                    server {
                        listen 127.0.0.1:%d;
                        default_type application/json;
                        location / {
                            return 200 '%s';
                        }
                    }
                }
                """.formatted(tempPaths(dir), port, COMPLETION_JSON);
    }

    /** nginx as a reverse proxy with a keep-alive upstream pool in front of the backend. */
    public static String nginxProxy(Path dir, int port, int backendPort) {
        return nginxMain(dir) + """
                http {
                    access_log off;
                %s
                    keepalive_requests 1000000;
                    keepalive_timeout 75s;
                    upstream backend {
                        server 127.0.0.1:%d;
                        keepalive 64;
                        keepalive_requests 1000000;
                    }
                    server {
                        listen 127.0.0.1:%d;
                        location / {
                            proxy_pass http://backend;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                }
                """.formatted(tempPaths(dir), backendPort, port);
    }

    /** HAProxy in HTTP mode, one thread, reusing backend connections, without logging. */
    public static String haproxy(int port, int backendPort) {
        return """
                global
                    nbthread 1
                    maxconn 4096

                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                    timeout http-keep-alive 30s
                    http-reuse always

                frontend bench
                    bind 127.0.0.1:%d
                    default_backend backend

                backend backend
                    server backend 127.0.0.1:%d
                """.formatted(port, backendPort);
    }

    /** Sluice's Gateway and HTTPRoute: routing on, matching the model header Sluice derives from the body. */
    public static String sluiceGateway(int port, int backendPort) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: bench}
                spec:
                  addresses: [{type: IPAddress, value: 127.0.0.1}]
                  listeners: [{name: http, port: %d, protocol: HTTP}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: bench}
                spec:
                  parentRefs: [{name: bench}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /v1/}, headers: [{type: Exact, name: X-Gateway-Model-Name, value: bench-model}]}]
                    backendRefs: [{kind: Service, name: 127.0.0.1, port: %d}]
                """.formatted(port, backendPort);
    }

    /** The wrk script: every request is a POST of {@link #REQUEST_JSON}. */
    public static String wrkScript() {
        return """
                wrk.method = "POST"
                wrk.body = '%s'
                wrk.headers["Content-Type"] = "application/json"
                """.formatted(REQUEST_JSON);
    }

    /** The part both nginx instances share: foreground, one worker, every file inside {@code dir} (not /var). */
    private static String nginxMain(Path dir) {
        return """
                daemon off;
                master_process on;
                worker_processes 1;
                pid %s;
                error_log %s warn;
                events {
                    worker_connections 4096;
                }
                """.formatted(dir.resolve("nginx.pid"), dir.resolve("error.log"));
    }

    private static String tempPaths(Path dir) {
        return """
                    client_body_temp_path %s;
                    proxy_temp_path %s;
                    fastcgi_temp_path %s;
                    uwsgi_temp_path %s;
                    scgi_temp_path %s;\
                """.formatted(dir.resolve("client_body_temp"), dir.resolve("proxy_temp"), dir.resolve("fastcgi_temp"),
                dir.resolve("uwsgi_temp"), dir.resolve("scgi_temp"));
    }
}
