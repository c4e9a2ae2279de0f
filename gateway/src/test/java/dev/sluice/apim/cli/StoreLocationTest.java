package dev.sluice.apim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Which store {@code --data-dir}, {@code --key-store} and {@code $SLUICE_KEY_STORE} choose. */
class StoreLocationTest {

    static final String PG = "jdbc:postgresql://db:5432/sluice?user=sluice";

    static StoreLocation parse(Map<String, String> env, String... args) {
        final StoreLocation l = new StoreLocation();
        l.env = env::get;
        new CommandLine(new Holder(l)).parseArgs(args);
        return l;
    }

    @CommandLine.Command(name = "holder")
    static final class Holder {
        @CommandLine.Mixin
        final StoreLocation location;

        Holder(StoreLocation location) {
            this.location = location;
        }
    }

    @Test
    void theFlagWins_thenTheEnvironment_thenSqlite() {
        assertThat(parse(Map.of(), "--key-store", PG).postgresUrl()).isEqualTo(PG);
        assertThat(parse(Map.of(StoreLocation.ENV, PG)).postgresUrl()).isEqualTo(PG);
        assertThat(parse(Map.of(StoreLocation.ENV, "jdbc:postgresql://other/db"), "--key-store", PG).postgresUrl())
                .isEqualTo(PG);
        assertThat(parse(Map.of()).postgresUrl()).isNull();
        assertThat(parse(Map.of(StoreLocation.ENV, " ")).postgresUrl()).isNull();
    }

    @Test
    void anExplicitDataDirOverridesTheEnvironment_butNotTheFlag() {
        final StoreLocation l = parse(Map.of(StoreLocation.ENV, PG), "--data-dir", "/srv/sluice");
        assertThat(l.postgresUrl()).isNull();
        assertThat(l.dataDir()).isEqualTo(Path.of("/srv/sluice"));
        assertThatThrownBy(() -> parse(Map.of(), "--data-dir", "/srv/sluice", "--key-store", PG).postgresUrl())
                .hasMessage("--data-dir and --key-store: choose one store");
    }

    @Test
    void aBadUrlIsRefusedByWhereItCameFrom_withoutItsParameters() {
        assertThatThrownBy(() -> parse(Map.of(StoreLocation.ENV, "jdbc:sqlite:/x?password=p")).postgresUrl())
                .hasMessage("$SLUICE_KEY_STORE: jdbc:sqlite:/x (expected: a JDBC URL starting with " +
                            "jdbc:postgresql:)");
        assertThatThrownBy(() -> parse(Map.of(), "--key-store", "jdbc:mysql://db/x?password=hunter2").postgresUrl())
                .hasMessage("--key-store: jdbc:mysql://db/x (expected: a JDBC URL starting with jdbc:postgresql:)");
    }
}
