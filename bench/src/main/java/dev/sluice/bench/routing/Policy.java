package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;

import dev.sluice.picker.scheduler.SchedulerProfiles;

/**
 * The routing policies compared: the gateway's scheduler profiles ({@link SchedulerProfiles}), run through the real
 * {@link dev.sluice.picker.scheduler.Scheduler}, and an oracle that reads the simulator's true cache state.
 */
public enum Policy {
    RANDOM(SchedulerProfiles.RANDOM),
    ROUND_ROBIN(SchedulerProfiles.ROUND_ROBIN),
    LEAST_QUEUE(SchedulerProfiles.LEAST_QUEUE),
    GIE_DEFAULT(SchedulerProfiles.GIE_DEFAULT),
    SLUICE_DEFAULT(SchedulerProfiles.SLUICE_DEFAULT),
    /** Most truly cached prefix tokens, then fewest outstanding requests: see {@link OraclePolicy}. */
    ORACLE("oracle");

    /** Every policy name, in the order they run. */
    public static final List<String> NAMES = Arrays.stream(values()).map(Policy::cliName).toList();

    private final String cliName;

    Policy(String cliName) {
        this.cliName = cliName;
    }

    /** Returns the name used on the command line and in results, the scheduler profile's name if it is one. */
    public String cliName() {
        return cliName;
    }

    /** Returns whether the policy is a gateway scheduler profile (everything but the oracle). */
    public boolean isGatewayProfile() {
        return this != ORACLE;
    }

    /**
     * Returns the policy named {@code name}.
     *
     * @throws IllegalArgumentException if none has that name
     */
    public static Policy byName(String name) {
        requireNonNull(name, "name");
        for (Policy p : values()) {
            if (p.cliName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("policy: " + name + " (expected: one of " + String.join(", ", NAMES) +
                                           ')');
    }

    @Override
    public String toString() {
        return cliName;
    }
}
