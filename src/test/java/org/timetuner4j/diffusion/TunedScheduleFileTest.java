package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.diffusion.sampling.TunedSchedule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A tuned file is written like any other output: the usual permissions, no temporary file left. */
class TunedScheduleFileTest {
    @Test void writtenWithTheUsualPermissionsAndNothingLeftBeside(@TempDir Path dir) throws Exception {
        Path tuned = dir.resolve("tuned.json"), plain = Files.createFile(dir.resolve("plain.txt"));
        new TunedSchedule("ddim", 3, "time", null, new double[][] {{1}, {1}, {1}}, null).write(tuned);
        new TunedSchedule("ddim", 3, "time", null, new double[][] {{1}, {0.9}, {1}}, null).write(tuned);  // replaced in place
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(tuned), "permissions as the umask gives any new file");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("plain.txt", "tuned.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
