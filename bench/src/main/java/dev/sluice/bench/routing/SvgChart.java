package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Draws TTFT p90 (log scale) against offered load as SVG: one panel per workload, one line per policy, the knee
 * threshold as a dashed line. Hand-written SVG 1.1, no dependencies.
 */
final class SvgChart {

    static final String[] COLORS = {
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf" };

    private static final int PANEL_W = 520;
    private static final int PANEL_H = 340;
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 36;
    private static final int BOTTOM = 48;
    private static final int LEGEND_H = 40;
    private static final int COLUMNS = 2;

    private SvgChart() {}

    static String render(List<WorkloadResults> results) {
        final List<String> policies = new ArrayList<>();
        for (WorkloadResults w : results) {
            for (String p : w.policies()) {
                if (!policies.contains(p)) {
                    policies.add(p);
                }
            }
        }
        final int columns = Math.max(1, Math.min(COLUMNS, results.size()));
        final int rows = Math.max(1, (results.size() + columns - 1) / columns);
        final int width = columns * PANEL_W;
        final int height = LEGEND_H + rows * PANEL_H;
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
                                 "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                                 width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append("<title>TTFT p90 against offered load</title>\n");
        // Legend.
        int x = 12;
        for (int i = 0; i < policies.size(); i++) {
            final String color = COLORS[i % COLORS.length];
            svg.append(String.format(Locale.ROOT,
                                     "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"20\" stroke=\"%s\" " +
                                     "stroke-width=\"2\"/>" +
                                     "<circle cx=\"%d\" cy=\"20\" r=\"3\" fill=\"%s\"/>" +
                                     "<text x=\"%d\" y=\"24\">%s</text>%n",
                                     x, x + 24, color, x + 12, color, x + 30, escape(policies.get(i))));
            x += 40 + 7 * policies.get(i).length();
        }
        for (int i = 0; i < results.size(); i++) {
            final int ox = (i % columns) * PANEL_W;
            final int oy = LEGEND_H + (i / columns) * PANEL_H;
            panel(svg, results.get(i), policies, ox, oy);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, WorkloadResults w, List<String> policies, int ox, int oy) {
        final int pw = PANEL_W - LEFT - RIGHT;
        final int ph = PANEL_H - TOP - BOTTOM;
        final int px = ox + LEFT;
        final int py = oy + TOP;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s" +
                                              "</text>%n", px, oy + 22, escape(w.workload())));
        final List<Double> loads = w.loads();
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (RunResult r : w.runs()) {
            if (r.ttftP90() > 0 && Double.isFinite(r.ttftP90())) {
                minY = Math.min(minY, r.ttftP90());
                maxY = Math.max(maxY, r.ttftP90());
            }
        }
        minY = Math.min(minY, w.kneeTtftSeconds());
        maxY = Math.max(maxY, w.kneeTtftSeconds());
        final int lo = (int) Math.floor(Math.log10(minY));
        final int hi = Math.max(lo + 1, (int) Math.ceil(Math.log10(maxY)));
        final double minX = loads.isEmpty() ? 0 : loads.get(0);
        final double maxX = loads.isEmpty() ? 1 : loads.get(loads.size() - 1);
        final double spanX = maxX > minX ? maxX - minX : 1;
        final Scale sx = v -> px + (loads.size() <= 1 ? pw / 2.0 : (v - minX) / spanX * pw);
        final Scale sy = v -> py + ph - (Math.log10(v) - lo) / (hi - lo) * ph;

        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" " +
                                              "stroke=\"#444444\"/>%n", px, py, pw, ph));
        for (int d = lo; d <= hi; d++) {
            final double y = sy.at(Math.pow(10, d));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" " +
                                                  "stroke=\"#dddddd\"/><text x=\"%d\" y=\"%.1f\" " +
                                                  "text-anchor=\"end\">%s</text>%n",
                                     px, y, px + pw, y, px - 6, y + 4, decade(d)));
        }
        for (double load : loads) {
            final double xx = sx.at(load);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" " +
                                                  "stroke=\"#444444\"/><text x=\"%.1f\" y=\"%d\" " +
                                                  "text-anchor=\"middle\">%s</text>%n",
                                     xx, py + ph, xx, py + ph + 4, xx, py + ph + 18, TextReport.load(load)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered load " +
                                              "(requests/s)</text>%n", px + pw / 2, py + ph + 36));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(%d %d) rotate(-90)\" " +
                                              "text-anchor=\"middle\">TTFT p90 (s, log)</text>%n",
                                 ox + 14, py + ph / 2));
        final double ky = sy.at(w.kneeTtftSeconds());
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999999\" " +
                                              "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\" fill=\"#777777\" " +
                                              "text-anchor=\"end\">knee %s s</text>%n",
                                 px, ky, px + pw, ky, px + pw - 4, ky - 4, Goals.fmt(w.kneeTtftSeconds())));
        for (String policy : w.policies()) {
            final String color = COLORS[policies.indexOf(policy) % COLORS.length];
            final StringBuilder points = new StringBuilder();
            final StringBuilder markers = new StringBuilder();
            for (double load : loads) {
                final Optional<RunResult> r = w.run(policy, load);
                if (r.isEmpty() || !(r.get().ttftP90() > 0) || !Double.isFinite(r.get().ttftP90())) {
                    continue;
                }
                final double xx = sx.at(load);
                final double yy = sy.at(r.get().ttftP90());
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
                markers.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">" +
                                                          "<title>%s at %s req/s: %s s</title></circle>",
                                             xx, yy, color, escape(policy), TextReport.load(load),
                                             Goals.fmt(r.get().ttftP90())));
            }
            if (!points.isEmpty()) {
                svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" " +
                                                      "stroke-width=\"2\"/>%s%n",
                                         points.toString().trim(), color, markers));
            }
        }
    }

    private static String decade(int d) {
        final double v = Math.pow(10, d);
        return d >= 0 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%." + -d + "f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @FunctionalInterface
    private interface Scale {
        double at(double v);
    }
}
