package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.testing.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A train run refused for its inputs leaves nothing behind, not even the output's folder. */
class TrainRefusedRunTest {
    @TempDir Path tmp;

    @Test void aMissingDataFileCreatesNoOutputFolder() {
        Path folder = tmp.resolve("new-folder");
        Object[] r = CliRun.run("train", "--data", tmp.resolve("missing.safetensors").toString(),
                "--out", folder.resolve("m.safetensors").toString(), "--steps", "1");
        assertEquals(1, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("missing.safetensors"), (String) r[1]);
        assertFalse(Files.exists(folder), "the refused run made " + folder);
    }
}
