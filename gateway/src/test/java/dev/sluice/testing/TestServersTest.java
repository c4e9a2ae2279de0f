package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

class TestServersTest {

    @Test
    void redisStartsKillsAndRestartsOnTheSamePort() {
        try (RedisServer redis = new RedisServer().start()) {
            final int port = redis.port();
            assertThat(redis.command("SET k v")).isEqualTo("+OK");
            assertThat(redis.command("GET k")).isEqualTo("v");
            redis.kill();
            assertThat(redis.command("PING")).isNull();
            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.command("PING")).isEqualTo("+PONG");
            // A restart without persistence starts empty.
            assertThat(redis.command("GET k")).isEqualTo("$-1");
            assertThat(redis.bulk("INFO server")).contains("tcp_port:" + port);
        }
    }

    @Test
    void aMissingBinaryFailsWithWhatToInstall() {
        assertThatThrownBy(() -> ExternalServers.onPath("sluice-no-such-server", "sluice-no-such-package"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sluice-no-such-server not found: these tests start their own server on a loopback " +
                            "port; install it with `apt-get install -y sluice-no-such-package` (.ci/run does)");
    }

    @Test
    void postgresStartsOnLoopbackAndCreatesDatabases() throws Exception {
        try (PostgresServer pg = new PostgresServer().start()) {
            final String url = pg.newDatabase();
            try (Connection c = DriverManager.getConnection(url);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database(), inet_server_addr()::text")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).startsWith("sluice_test_");
                assertThat(rs.getString(2)).startsWith("127.0.0.1");
            }
        }
    }
}
