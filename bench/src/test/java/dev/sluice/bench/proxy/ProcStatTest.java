package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void readsPidParentAndCpuTicks() {
        String line = "6841 (head) R 6829 6829 3415 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 60389 2998272 393 "
                + "18446744073709551615 93927318863872 93927318887977 140723165317840 0 0 0 0 0 0 0 0 0 17 0 0 0 0";

        ProcStat stat = ProcStat.parse(line);

        assertThat(stat.pid()).isEqualTo(6841);
        assertThat(stat.comm()).isEqualTo("head");
        assertThat(stat.ppid()).isEqualTo(6829);
        assertThat(stat.utime()).isEqualTo(7);
        assertThat(stat.stime()).isEqualTo(3);
        assertThat(stat.cpuTicks()).isEqualTo(10);
    }

    @Test
    void commandNameMayHoldSpacesAndParentheses() {
        // A process may name itself anything (prctl PR_SET_NAME), including ") R 1 2 3".
        String line = "4242 (nginx: (worker) ) R 1 2) S 4241 4241 4241 0 -1 4194624 500 0 0 0 1234 567 0 0 20 0 1 0 "
                + "100 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0";

        ProcStat stat = ProcStat.parse(line);

        assertThat(stat.comm()).isEqualTo("nginx: (worker) ) R 1 2");
        assertThat(stat.ppid()).isEqualTo(4241);
        assertThat(stat.utime()).isEqualTo(1234);
        assertThat(stat.stime()).isEqualTo(567);
    }

    @Test
    void parsesThisProcessesOwnStat() throws IOException {
        Path self = Path.of("/proc/self/stat");
        if (!Files.exists(self)) {
            return; // not Linux; the parsing cases above still ran
        }
        ProcStat stat = ProcStat.parse(Files.readString(Path.of("/proc", Long.toString(ProcessHandle.current().pid()),
                "stat")));

        assertThat(stat.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(stat.ppid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(stat.cpuTicks()).isPositive(); // a JVM that loaded JUnit has used CPU
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> ProcStat.parse("not a stat line")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcStat.parse("1 (x) S 0 1")).isInstanceOf(IllegalArgumentException.class);
    }
}
