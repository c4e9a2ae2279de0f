package dev.sluice.config;

import static java.util.Objects.requireNonNull;

import java.io.Serial;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when configuration cannot be loaded; carries every problem found, not only the first.
 */
public final class ConfigException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    /** Creates an exception listing the given problems, which must not be empty. */
    public ConfigException(List<ConfigProblem> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns the problems in the order they were found in the files (file order, then line). */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String format(List<ConfigProblem> problems) {
        requireNonNull(problems, "problems");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: [] (expected: at least one problem)");
        }
        return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
    }
}
