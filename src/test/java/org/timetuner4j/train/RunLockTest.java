package org.timetuner4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.UserError;
import org.timetuner4j.backend.cpu.CpuBackend;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two runs cannot write one model at once; a batch larger than the data is refused before training. */
class RunLockTest {
    @TempDir Path tmp;

    @Test void aSecondRunOnTheSameOutputIsRefusedUntilTheFirstEnds() throws Exception {
        Path model = tmp.resolve("m.safetensors");
        try (RunLock first = RunLock.acquire(model)) {
            UserError e = assertThrows(UserError.class, () -> RunLock.acquire(model));
            assertTrue(e.getMessage().contains("another training run is writing"), e.getMessage());
            RunLock.acquire(tmp.resolve("other.safetensors")).close();
        }
        assertFalse(Files.exists(tmp.resolve("m.safetensors.lock")));
        RunLock.acquire(model).close();
    }

    @Test void aBatchLargerThanTheDataIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiffusionTrainer.start(TrainResumeTest.TINY,
                TrainResumeTest.data(4), new TrainSettings(5, 1e-3, 0, 1, 0.9, 0.1, 0), CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("--batch 5 is larger than the data set (4 images)"), e.getMessage());
    }
}
