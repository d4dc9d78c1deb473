package org.timetuner4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.nn.UNetConfig;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run stopped, written to a checkpoint, read back and continued ends bit-identical to one never stopped. */
class TrainResumeTest {
    @TempDir Path tmp;

    static final UNetConfig TINY = new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0.1, 1, 8, true, 3);

    static ImageSet data(int n) {
        float[] x = new float[n * 64];
        int[] y = new int[n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < n; i++) y[i] = i % 3;
        return new ImageSet(x, n, new int[] {1, 8, 8}, y);
    }

    static final TrainSettings SETTINGS = new TrainSettings(8, 2e-3, 3, 0.5, 0.9, 0.3, 11);

    @Test void resumedRunIsBitIdentical() throws Exception {
        ImageSet d = data(36);  // 4 full batches per epoch, 4 images dropped: 7 steps cross an epoch
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(2);
            DiffusionTrainer straight = DiffusionTrainer.start(TINY, d, SETTINGS, CpuBackend.INSTANCE);
            for (int s = 0; s < 7; s++) straight.trainStep();
            TrainCheckpoint expected = straight.snapshot(0);

            DiffusionTrainer first = DiffusionTrainer.start(TINY, d, SETTINGS, CpuBackend.INSTANCE);
            for (int s = 0; s < 3; s++) first.trainStep();
            Path ckpt = tmp.resolve("run.ckpt");
            first.snapshot(1.5).write(ckpt);
            Parallel.setThreads(1);  // another machine, another thread count
            TrainCheckpoint read = TrainCheckpoint.read(ckpt);
            assertEquals(3, read.step());
            assertEquals(1.5, read.trainingSeconds());
            DiffusionTrainer resumed = DiffusionTrainer.resume(read, d, SETTINGS, CpuBackend.INSTANCE);
            for (int s = 0; s < 4; s++) resumed.trainStep();
            TrainCheckpoint got = resumed.snapshot(0);

            assertEquals(7, got.step());
            assertEquals(expected.losses(), got.losses());
            assertArrayEquals(expected.weights(), got.weights());
            assertArrayEquals(expected.ema(), got.ema());
            assertArrayEquals(expected.adamM(), got.adamM());
            assertArrayEquals(expected.adamV(), got.adamV());
            // the run did train: weights moved away from their initial values
            DiffusionTrainer fresh = DiffusionTrainer.start(TINY, d, SETTINGS, CpuBackend.INSTANCE);
            assertNotEquals(Arrays.hashCode(fresh.snapshot(0).weights()), Arrays.hashCode(got.weights()));
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test void theEmaNetworkFreesItsWeightsWhenClosed() {
        DiffusionTrainer t = DiffusionTrainer.start(TINY, data(16), SETTINGS, CpuBackend.INSTANCE);
        long before = CpuBackend.INSTANCE.memory().liveTensors();
        try (org.timetuner4j.nn.UNet ema = t.emaNetwork()) {
            assertTrue(CpuBackend.INSTANCE.memory().liveTensors() > before);
        }
        assertEquals(before, CpuBackend.INSTANCE.memory().liveTensors());
    }

    @Test void resumeWithOtherSettingsIsRefused() throws Exception {
        ImageSet d = data(16);
        DiffusionTrainer t = DiffusionTrainer.start(TINY, d, SETTINGS, CpuBackend.INSTANCE);
        TrainSettings other = new TrainSettings(8, 1e-3, 3, 0.5, 0.9, 0.3, 11);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DiffusionTrainer.resume(t.snapshot(0), d, other, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }

    @Test void everyEpochVisitsEachFullBatchImageOnceInANewOrder() {
        ImageSet d = data(36);
        DiffusionTrainer t = DiffusionTrainer.start(TINY, d, SETTINGS, CpuBackend.INSTANCE);
        assertEquals(4, t.stepsPerEpoch());
        int[] epoch0 = new int[32], epoch1 = new int[32];
        for (int s = 0; s < 4; s++) {
            System.arraycopy(t.batchIndices(s), 0, epoch0, s * 8, 8);
            System.arraycopy(t.batchIndices(4 + s), 0, epoch1, s * 8, 8);
        }
        Set<Integer> seen = new HashSet<>();
        for (int i : epoch0) assertTrue(seen.add(i), "index " + i + " twice in one epoch");
        assertTrue(seen.stream().allMatch(i -> i >= 0 && i < 36));
        assertNotEquals(Arrays.toString(epoch0), Arrays.toString(epoch1));
    }

    @Test void warmupRisesLinearlyThenHolds() {
        TrainSettings s = new TrainSettings(8, 1e-3, 4, 1, 0.999, 0.1, 0);
        assertEquals(0.25e-3, s.learningRate(0), 1e-15);
        assertEquals(1e-3, s.learningRate(3), 1e-15);
        assertEquals(1e-3, s.learningRate(100), 1e-15);
        assertEquals(0.1, s.emaDecayAt(0), 1e-15);
        assertEquals(0.999, s.emaDecayAt(1_000_000), 1e-15);
    }
}
