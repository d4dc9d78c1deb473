package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.sampling.TunedSchedule;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    @TempDir Path tmp;

    @Test void sameSeedGivesTheSameSamplesForAnyBatchSize() {
        GaussianModel g = GaussianModel.parse("gaussian:mean=0.1,std=0.5,shape=1x4x4");
        for (String solver : new String[] {"ddim", "ddpm", "heun"}) {
            Sampler s = Sampler.builder(g).solver(solver).eta(0.5).nfe(6).build();
            float[] a = s.sample(7, 7, 42, null, null), b = s.sample(7, 3, 42, null, null);
            assertArrayEquals(a, b, solver);
            float[] c = s.sample(7, 7, 43, null, null);
            assertTrue(!java.util.Arrays.equals(a, c), "another seed, other samples");
        }
    }

    /**
     * DDPM on Gaussian data is a linear Gaussian recursion: with ε* = c1·x − c2 each step maps
     * N(m, V) to N(a·m + b, a²V + ς²). The empirical statistics of the samples must match it
     * (the posterior-variance sampler is known to shrink the spread at finite step counts).
     */
    @Test void ancestralSamplingOfGaussianDataFollowsTheClosedFormRecursion() {
        double mu = 0.4, sd = 0.2;
        GaussianModel g = GaussianModel.parse("gaussian:mean=0.4,std=0.2,shape=1x16x16");
        Sampler s = Sampler.builder(g).solver("ddpm").nfe(50).trajectory(Trajectory.UNIFORM).build();
        NoiseSchedule sch = g.schedule();
        double[] ts = s.plan().times();
        double mean = 0, var = 1;
        for (int i = 0; i + 1 < ts.length; i++) {
            double t = (float) ts[i], e = ts[i + 1];  // the sampler feeds the network float32 times
            double at = sch.alpha(t), st = sch.sigma(t), v = at * at * sd * sd + st * st;
            double c1 = st / v, c2 = st * at * mu / v;
            double ta = sch.alpha(ts[i]), as = sch.alpha(e), sigT2 = 1 - ta * ta, sigS2 = 1 - as * as;
            double vs = Math.sqrt(sigS2 / sigT2) * Math.sqrt(1 - ta * ta / (as * as));
            double ce = Math.sqrt(sigS2 - vs * vs) - as * Math.sqrt(sigT2) / ta;
            double a = as / ta + ce * c1, b = -ce * c2;
            mean = a * mean + b;
            var = a * a * var + vs * vs;
        }
        float[] x = s.sample(64, 32, 5, null, null);
        double m = 0, v = 0;
        for (float f : x) m += f;
        m /= x.length;
        for (float f : x) v += (f - m) * (f - m);
        double std = Math.sqrt(v / x.length);
        System.out.printf("ddpm 50 steps: mean %.4f (closed form %.4f), std %.4f (closed form %.4f)%n", m, mean, std, Math.sqrt(var));
        assertTrue(Math.abs(m - mean) < 0.005, "mean " + m + " vs " + mean);
        assertTrue(Math.abs(std - Math.sqrt(var)) < 0.005, "std " + std + " vs " + Math.sqrt(var));
        assertTrue(Math.abs(Math.sqrt(var) - sd) > 0.02, "the check must be sharper than the data std itself");
    }

    @Test void tunedFilesMustFitTheRun() throws Exception {
        GaussianModel g = GaussianModel.parse("gaussian:mean=0,std=1,shape=1x2x2");
        Path plain = tmp.resolve("r.json");
        Files.writeString(plain, "[0.99, 1.01, 1.0]");  // τ = r·t within [1/N, 1]: 1.01 is fine at t = 2/3, not at t = 1
        TunedSchedule t = TunedSchedule.read(plain);
        Sampler.builder(g).solver("ddim").nfe(3).trajectory(Trajectory.UNIFORM).tuned(t).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sampler.builder(g).solver("ddim").nfe(4).trajectory(Trajectory.UNIFORM).tuned(t).build());
        assertTrue(e.getMessage().contains("3 ratios"), e.getMessage());
        Path ours = tmp.resolve("tau.json");
        new TunedSchedule("dpm-solver-2", 6, "logsnr", null, new double[][] {{1, 1}, {1, 1}, {1, 1}}, null).write(ours);
        TunedSchedule o = TunedSchedule.read(ours);
        Sampler.builder(g).solver("dpm-solver-2").nfe(6).tuned(o).build();
        e = assertThrows(IllegalArgumentException.class, () -> Sampler.builder(g).solver("heun").nfe(6).tuned(o).build());
        assertTrue(e.getMessage().contains("tuned for solver dpm-solver-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Sampler.builder(g).solver("dpm-solver-2").nfe(6).trajectory(Trajectory.UNIFORM).tuned(o).build());
        assertTrue(e.getMessage().contains("trajectory logsnr"), e.getMessage());
    }
}
