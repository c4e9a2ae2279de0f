package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequiredToolsTest {

    @TempDir
    Path tmp;

    @Test
    void findsAnExecutableOnThePath() throws Exception {
        Path wrk = Files.createFile(tmp.resolve("wrk"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));

        assertThat(RequiredTools.find("wrk", "/nonexistent:" + tmp)).contains(wrk);
    }

    @Test
    void namesTheDebianPackagesOfWhatIsMissing() {
        RequiredTools tools = RequiredTools.locate("/nonexistent");
        if (tools.allFound()) {
            return; // /usr/sbin fallbacks found real installs; the message cannot be provoked here
        }
        assertThat(tools.missingMessage()).contains("apt-get install -y").contains("scripts/install-bench-tools");
    }
}
