package dev.sluice.bench.proxy;

/**
 * The fields of one {@code /proc/<pid>/stat} line that the benchmark needs: pid, command name, parent, and CPU ticks.
 *
 * <p>{@code utime} and {@code stime} are in clock ticks ({@code getconf CLK_TCK}) and, for a process, already sum all
 * of its threads.
 */
public record ProcStat(long pid, String comm, long ppid, long utime, long stime) {

    // 1-based field numbers from proc(5); fields after the command name are counted from field 3 ("state").
    private static final int PPID_FIELD = 4;
    private static final int UTIME_FIELD = 14;
    private static final int STIME_FIELD = 15;

    public long cpuTicks() {
        return utime + stime;
    }

    /**
     * Parses a stat line; the command name sits in parentheses and may itself hold spaces and parentheses, so it is
     * everything between the first '(' and the last ')'.
     */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        }
        long pid = Long.parseLong(line.substring(0, open).trim());
        String comm = line.substring(open + 1, close);
        String[] rest = line.substring(close + 1).trim().split("\\s+");
        if (rest.length < STIME_FIELD - 2) {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat line: " + line);
        }
        return new ProcStat(pid, comm, field(rest, PPID_FIELD), field(rest, UTIME_FIELD), field(rest, STIME_FIELD));
    }

    private static long field(String[] afterComm, int fieldNumber) {
        return Long.parseLong(afterComm[fieldNumber - 3]);
    }
}
