package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

/**
 * Drops endpoints that are full by a {@link SaturationDetector}'s thresholds (with a headroom) or that have no fresh
 * metrics: GIE's utilization detector used as a filter. When every endpoint is full the scheduler keeps them all.
 */
public final class SaturationFilter implements Filter {

    private final SaturationDetector detector;
    private final double headroom;

    /** Creates a filter dropping endpoints at {@code detector}'s thresholds times {@code 1 + headroom}. */
    public SaturationFilter(SaturationDetector detector, double headroom) {
        this.detector = requireNonNull(detector, "detector");
        if (!(headroom >= 0) || Double.isInfinite(headroom)) {
            throw new IllegalArgumentException("headroom: " + headroom + " (expected: finite and >= 0)");
        }
        this.headroom = headroom;
    }

    @Override
    public String name() {
        return "utilization-detector";
    }

    @Override
    public boolean keep(SchedulingContext context, Candidate candidate) {
        return !context.anyFresh() || !detector.isFull(candidate.load(), headroom);
    }

    @Override
    public String toString() {
        return name() + "(headroom=" + headroom + ')';
    }
}
