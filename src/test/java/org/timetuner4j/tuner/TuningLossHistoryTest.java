package org.timetuner4j.tuner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.metrics.TuningLossChart;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tuner keeps every iteration's loss and its wall time across a kill and --resume. */
class TuningLossHistoryTest {
    @TempDir Path tmp;

    private static final int ITERS = 70;   // more than one checkpoint (every 50) per step

    private static TimeTuner tuner() {
        GaussianModel g = GaussianModel.parse(FiniteDataTuningTest.MODEL);
        TunerSettings s = new TunerSettings(FiniteDataTuningTest.MODEL, null, "test", "ddim", 0, 3, "uniform",
                TunerObjective.Mode.PARALLEL, false, 2e-3, ITERS, 16, 5);
        return new TimeTuner(g, new FiniteDataTuningTest.Recording(64), s, CpuBackend.INSTANCE);
    }

    @Test void aResumedRunHasTheUninterruptedRunsLossesAndCountsItsTime() throws Exception {
        TimeTuner whole = tuner();
        Path ckptWhole = tmp.resolve("whole.ckpt");
        TunedSchedule a = whole.run(ckptWhole, false, null);
        double[][] expected = whole.lossHistory();
        assertEquals(2, expected.length, "one row per tuned step (NFE 3: two steps before the untuned last one)");
        for (double[] row : expected) {
            assertEquals(ITERS, row.length);
            for (double l : row) assertTrue(l > 0 && Double.isFinite(l), "every iteration's loss is recorded: " + l);
        }
        assertTrue(a.provenance().get("tuning_seconds").getAsDouble() > 0);

        // Killed in the second step, after its checkpoint at iteration 50: iterations 50.. are lost and redone.
        Path ckpt = tmp.resolve("killed.ckpt");
        TimeTuner killed = tuner();
        assertThrows(IllegalStateException.class, () -> killed.run(ckpt, false, (i, n, it, its, loss, r) -> {
            if (i == 1 && it == 60) throw new IllegalStateException("kill");
        }));
        TimeTuner resumed = tuner();
        TunedSchedule b = resumed.run(ckpt, true, null);
        assertEquals(expected.length, resumed.lossHistory().length);
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], resumed.lossHistory()[i], 0.0, "step " + i);
        assertArrayEquals(a.ratios()[0], b.ratios()[0], 0.0);
        assertTrue(b.provenance().get("tuning_seconds").getAsDouble() > 0);

        Path png = tmp.resolve("loss.png");
        TuningLossChart.write(expected, 10, "test", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(900, img.getWidth());
    }
}
