package dev.sluice.bench.proxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the text wrk 4.x prints with {@code --latency} into a {@link WrkResult}. */
public final class WrkOutputParser {

    private static final Pattern REQUESTS_PER_SEC = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)\\s*$");
    private static final Pattern TOTAL = Pattern.compile("(?m)^\\s*(\\d+) requests in ([0-9.]+)(us|ms|s|m|h),");
    private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s*(50|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$");
    private static final Pattern NON_2XX = Pattern.compile("(?m)^\\s*Non-2xx or 3xx responses:\\s+(\\d+)\\s*$");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "(?m)^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)\\s*$");

    private WrkOutputParser() {
    }

    /** Parses wrk's standard output; fields wrk did not print come back as 0 or {@code NaN}, never as an exception. */
    public static WrkResult parse(String output) {
        long requests = 0;
        double durationSeconds = Double.NaN;
        Matcher total = TOTAL.matcher(output);
        if (total.find()) {
            requests = Long.parseLong(total.group(1));
            durationSeconds = toMicros(total.group(2), total.group(3)) / 1e6;
        }
        Matcher rps = REQUESTS_PER_SEC.matcher(output);
        double requestsPerSecond = rps.find() ? Double.parseDouble(rps.group(1)) : Double.NaN;

        double p50 = Double.NaN;
        double p99 = Double.NaN;
        // Only the "Latency Distribution" block has bare "50%" lines; the "Thread Stats" block never matches.
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            double micros = toMicros(percentile.group(2), percentile.group(3));
            if (percentile.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }

        Matcher non2xx = NON_2XX.matcher(output);
        long non2xxResponses = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;

        WrkResult.SocketErrors socketErrors = WrkResult.SocketErrors.NONE;
        Matcher errors = SOCKET_ERRORS.matcher(output);
        if (errors.find()) {
            socketErrors = new WrkResult.SocketErrors(Long.parseLong(errors.group(1)), Long.parseLong(errors.group(2)),
                    Long.parseLong(errors.group(3)), Long.parseLong(errors.group(4)));
        }
        return new WrkResult(requests, durationSeconds, requestsPerSecond, p50, p99, non2xxResponses, socketErrors, 0);
    }

    /** Converts a wrk time ("us", "ms", "s", "m", "h" as its units.c prints them) to microseconds. */
    static double toMicros(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> v;
            case "ms" -> v * 1e3;
            case "s" -> v * 1e6;
            case "m" -> v * 60e6;
            case "h" -> v * 3600e6;
            default -> throw new IllegalArgumentException("unknown wrk time unit: " + unit);
        };
    }
}
