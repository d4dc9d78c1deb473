package org.timetuner4j.tuner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.DataSet;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A finite data set is cycled in reshuffled epochs: every interval gets exactly --iters Adam updates. */
class FiniteDataTuningTest {
    static final String MODEL = "gaussian:mean=0.3,std=0.4,shape=1x4x4";
    @TempDir Path tmp;

    /** Records which batch of which epoch order the tuner asks for. */
    static final class Recording implements DataSet {
        final ImageSet inner;
        final List<long[]> asked = new ArrayList<>();

        Recording(int n) {
            float[] x = new float[n * 16];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) x[i] = (float) (0.3 + 0.4 * r.nextGaussian());
            inner = new ImageSet(x, n, new int[] {1, 4, 4}, null);
        }

        @Override public int size() { return inner.size(); }
        @Override public int[] sampleShape() { return inner.sampleShape(); }
        @Override public Tensor images(Backend be, int[] indices) { return inner.images(be, indices); }
        @Override public Tensor batch(Backend be, long epochSeed, int index, int batchSize) {
            asked.add(new long[] {epochSeed, index});
            return inner.batch(be, epochSeed, index, batchSize);
        }
    }

    private static TunerSettings settings(int iters, int batch) {
        return new TunerSettings(MODEL, null, "test", "ddim", 0, 4, "uniform", TunerObjective.Mode.PARALLEL, false,
                2e-3, iters, batch, 11);
    }

    @Test void everyIntervalGetsItersUpdatesFromReshuffledEpochs() throws Exception {
        GaussianModel g = GaussianModel.parse(MODEL);
        Recording data = new Recording(100);
        TimeTuner tuner = new TimeTuner(g, data, settings(50, 32), CpuBackend.INSTANCE);
        int intervals = tuner.plan().intervals() - 1;
        int[] updates = new int[intervals];
        tuner.run(null, false, (i, n, it, its, loss, r) -> updates[i]++);
        for (int i = 0; i < intervals; i++) assertEquals(50, updates[i], "Adam updates of interval " + i);

        // 100 images in batches of 32: three full batches an epoch (the last 4 images wait for the next epoch)
        assertEquals(50 * intervals, data.asked.size());
        Set<Long> orders = new HashSet<>();
        for (int k = 0; k < 50; k++) {
            long[] a = data.asked.get(k);
            assertEquals(k % 3, a[1], "batch index of iteration " + k);
            assertEquals(a[0], data.asked.get(k - k % 3)[0], "one order per epoch");
            orders.add(a[0]);
        }
        assertEquals(17, orders.size(), "iterations 0..49 span 17 epochs, each with its own order");
        for (int k = 50; k < 100; k++) assertTrue(!orders.contains(data.asked.get(k)[0]), "the next interval shuffles anew");
    }

    @Test void aDataSetSmallerThanOneBatchIsRefused() {
        GaussianModel g = GaussianModel.parse(MODEL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TimeTuner(g, new Recording(20), settings(10, 32), CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("--batch 32 is larger than the data set (20 images)"), e.getMessage());
    }

    @Test void anInterruptedRunOverEpochsResumesExactly() throws Exception {
        GaussianModel g = GaussianModel.parse(MODEL);
        TunerSettings s = settings(130, 8);
        TunedSchedule reference = new TimeTuner(g, new Recording(20), s, CpuBackend.INSTANCE).run(null, false, null);

        Path ckpt = tmp.resolve("tau.json.ckpt");
        RuntimeException stop = new RuntimeException("interrupted");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> new TimeTuner(g, new Recording(20), s, CpuBackend.INSTANCE)
                .run(ckpt, false, (i, n, it, its, loss, r) -> { if (i == 1 && it == 117) throw stop; }));
        assertEquals(stop, thrown);
        TunerCheckpoint atStop = TunerCheckpoint.read(ckpt);
        assertEquals(1, atStop.interval);
        assertEquals(100, atStop.iteration, "the last checkpoint is at iteration 100, in epoch 50 of two-batch epochs");

        TunedSchedule resumed = new TimeTuner(g, new Recording(20), s, CpuBackend.INSTANCE).run(ckpt, true, null);
        double[][] expected = reference.ratios(), got = resumed.ratios();
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i], 0.0, "interval " + i);
    }
}
